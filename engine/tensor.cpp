// DType facts table (block sizes from ggml's type traits, cross-checked against gguf-py GGML_QUANT_SIZES)
// and the overflow-checked byte-size arithmetic every loader uses before trusting a shape.
#include "engine/tensor.h"

#include <array>
#include <limits>
#include <stdexcept>

namespace edgeserve {
namespace {

constexpr std::array<DTypeInfo, 32> kDTypes = {{
    {DType::F32, "F32", 0, 1, 4},
    {DType::F16, "F16", 1, 1, 2},
    {DType::Q4_0, "Q4_0", 2, 32, 18},
    {DType::Q4_1, "Q4_1", 3, 32, 20},
    {DType::Q5_0, "Q5_0", 6, 32, 22},
    {DType::Q5_1, "Q5_1", 7, 32, 24},
    {DType::Q8_0, "Q8_0", 8, 32, 34},
    {DType::Q8_1, "Q8_1", 9, 32, 40},
    {DType::Q2_K, "Q2_K", 10, 256, 84},
    {DType::Q3_K, "Q3_K", 11, 256, 110},
    {DType::Q4_K, "Q4_K", 12, 256, 144},
    {DType::Q5_K, "Q5_K", 13, 256, 176},
    {DType::Q6_K, "Q6_K", 14, 256, 210},
    {DType::Q8_K, "Q8_K", 15, 256, 292},
    {DType::IQ2_XXS, "IQ2_XXS", 16, 256, 66},
    {DType::IQ2_XS, "IQ2_XS", 17, 256, 74},
    {DType::IQ3_XXS, "IQ3_XXS", 18, 256, 98},
    {DType::IQ1_S, "IQ1_S", 19, 256, 50},
    {DType::IQ4_NL, "IQ4_NL", 20, 32, 18},
    {DType::IQ3_S, "IQ3_S", 21, 256, 110},
    {DType::IQ2_S, "IQ2_S", 22, 256, 82},
    {DType::IQ4_XS, "IQ4_XS", 23, 256, 136},
    {DType::I8, "I8", 24, 1, 1},
    {DType::I16, "I16", 25, 1, 2},
    {DType::I32, "I32", 26, 1, 4},
    {DType::I64, "I64", 27, 1, 8},
    {DType::F64, "F64", 28, 1, 8},
    {DType::IQ1_M, "IQ1_M", 29, 256, 56},
    {DType::BF16, "BF16", 30, 1, 2},
    {DType::TQ1_0, "TQ1_0", 34, 256, 54},
    {DType::TQ2_0, "TQ2_0", 35, 256, 66},
    {DType::MXFP4, "MXFP4", 39, 32, 17},
}};
constexpr uint32_t kMaxTypeId = 39;

// ggml type id -> row of kDTypes, or -1 for ids ggml does not define; built at compile time so that
// dtype_info() is one indexed load (kernels call it per tensor).
constexpr std::array<int, kMaxTypeId + 1> kRowById = [] {
  std::array<int, kMaxTypeId + 1> rows{};
  for (auto& r : rows) r = -1;
  for (size_t i = 0; i < kDTypes.size(); ++i) rows[kDTypes[i].ggml_type_id] = static_cast<int>(i);
  return rows;
}();

const DTypeInfo* find_by_id(uint32_t id) {
  if (id > kMaxTypeId || kRowById[id] < 0) return nullptr;
  return &kDTypes[static_cast<size_t>(kRowById[id])];
}

}  // namespace

const DTypeInfo& dtype_info(DType dtype) {
  const DTypeInfo* info = find_by_id(static_cast<uint32_t>(dtype));
  if (info == nullptr) throw std::logic_error("dtype_info: DType value outside the enum");
  return *info;
}

bool is_quantized(DType dtype) { return dtype_info(dtype).block_elements > 1; }

std::optional<DType> dtype_from_ggml_type(uint32_t ggml_type_id) {
  const DTypeInfo* info = find_by_id(ggml_type_id);
  if (info == nullptr) return std::nullopt;
  return info->dtype;
}

std::optional<DType> dtype_from_name(std::string_view name) {
  for (size_t i = 0; i < kDTypes.size(); ++i) {
    if (kDTypes[i].name == name) return kDTypes[i].dtype;
  }
  return std::nullopt;
}

size_t row_nbytes(DType dtype, int64_t row_elements) {
  const DTypeInfo& info = dtype_info(dtype);
  if (row_elements < 0) throw std::invalid_argument("negative row length " + std::to_string(row_elements));
  const auto n = static_cast<uint64_t>(row_elements);
  if (n % info.block_elements != 0) {
    throw std::invalid_argument("row length " + std::to_string(n) + " is not a multiple of the " +
                                std::string(info.name) + " block size " + std::to_string(info.block_elements));
  }
  const uint64_t blocks = n / info.block_elements;
  if (blocks > std::numeric_limits<size_t>::max() / info.block_bytes) {
    throw std::invalid_argument("row of " + std::to_string(n) + " " + std::string(info.name) +
                                " elements overflows the byte count");
  }
  return static_cast<size_t>(blocks * info.block_bytes);
}

int64_t num_elements(std::span<const int64_t> shape) {
  int64_t total = 1;
  for (int64_t d : shape) {
    if (d < 0) throw std::invalid_argument("negative dimension in shape " + shape_to_string(shape));
    if (d != 0 && total > std::numeric_limits<int64_t>::max() / d) {
      throw std::invalid_argument("element count of shape " + shape_to_string(shape) + " overflows");
    }
    total *= d;
  }
  return total;
}

size_t tensor_nbytes(DType dtype, std::span<const int64_t> shape) {
  const int64_t elements = num_elements(shape);  // checks sign and overflow of the whole product
  if (shape.empty()) return row_nbytes(dtype, 1);
  const int64_t row = shape.back();
  const size_t per_row = row_nbytes(dtype, row);
  const int64_t rows = row == 0 ? 0 : elements / row;
  if (rows != 0 && per_row > std::numeric_limits<size_t>::max() / static_cast<uint64_t>(rows)) {
    throw std::invalid_argument("byte size of " + std::string(dtype_name(dtype)) + " tensor of shape " +
                                shape_to_string(shape) + " overflows");
  }
  return per_row * static_cast<size_t>(rows);
}

std::string shape_to_string(std::span<const int64_t> shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

}  // namespace edgeserve
