#pragma once
// DType (every ggml tensor type id plus the safetensors plain types) with its block facts, and TensorView:
// a named, typed, shaped, zero-copy view of weight bytes that live in a memory map owned elsewhere.
// Owns no memory and never copies weights; whoever hands out a TensorView keeps the bytes alive.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace edgeserve {

// Values are the ggml type ids (GGUF tensor_info.type), so a GGUF type converts by a checked cast.
// Ids 4, 5, 31-33, 36-38 were removed from ggml and are not types.
enum class DType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
  I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
  TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39,
};

struct DTypeInfo {
  DType dtype;
  std::string_view name;     // ggml spelling: "F32", "Q4_K", ...
  uint32_t ggml_type_id;     // == static_cast<uint32_t>(dtype)
  size_t block_elements;     // elements per block: 1 for plain types, 32 for Q4_0..Q8_1, 256 for K-quants
  size_t block_bytes;        // bytes per block (== element size for plain types)
};

const DTypeInfo& dtype_info(DType dtype);
inline std::string_view dtype_name(DType dtype) { return dtype_info(dtype).name; }
bool is_quantized(DType dtype);  // block_elements > 1

// The DType with this ggml type id, or nullopt for an id ggml does not define (callers report
// "unsupported tensor type N").
std::optional<DType> dtype_from_ggml_type(uint32_t ggml_type_id);
// The DType with this ggml name ("Q8_0"), or nullopt.
std::optional<DType> dtype_from_name(std::string_view name);

// Bytes of one row of `row_elements` elements. Throws std::invalid_argument when the row length is not a
// multiple of the block size or the byte count overflows size_t.
size_t row_nbytes(DType dtype, int64_t row_elements);
// Bytes of a tensor of `shape` (outermost first; the last dimension is the row). Empty shape = scalar.
// Throws std::invalid_argument on a negative dimension, a row not a multiple of the block size, or overflow.
size_t tensor_nbytes(DType dtype, std::span<const int64_t> shape);
// Product of the dimensions with overflow check (throws std::invalid_argument); 1 for an empty shape.
int64_t num_elements(std::span<const int64_t> shape);

// A read-only view of one weight tensor.
// shape is in PyTorch order (outermost first, row length last): a GGUF tensor with ne = [4096, 32000]
// (ne[0] innermost) becomes shape {32000, 4096}. data points into the file's memory map (zero-copy);
// safetensors data is not necessarily aligned, GGUF data is aligned to the file's general.alignment.
struct TensorView {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;
  size_t nbytes = 0;

  int64_t num_elements() const { return edgeserve::num_elements(shape); }
  std::span<const uint8_t> bytes() const { return {data, nbytes}; }
};

// "[32000, 4096]" for error messages.
std::string shape_to_string(std::span<const int64_t> shape);

}  // namespace edgeserve
