#pragma once
// SafetensorsFile: one validated .safetensors file: 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}, then the data section.
// Validation: header length bounded (<= 100 MB and inside the file), header a JSON object without repeated
// keys at any level (a repeated tensor name is rejected, not "last one wins"), names valid UTF-8, every
// range inside the data section with begin <= end and end - begin == product(shape) * dtype size (overflow
// checked), no two tensors overlapping. Gaps between tensors are allowed. Tensor views are zero-copy and
// not necessarily aligned. Knows nothing about shards (SafetensorsModel) or model weights.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tensor.h"
#include "engine/util/mapped_file.h"

namespace edgeserve {

class SafetensorsFile {
 public:
  static constexpr uint64_t kMaxHeaderBytes = 100'000'000;

  // Parses `bytes`, which must outlive the returned object. `source_name` starts every error. Throws LoadError.
  static SafetensorsFile parse(std::span<const uint8_t> bytes, std::string source_name);
  // Memory-maps `path` and parses it; the map lives inside the returned object. Throws LoadError.
  static SafetensorsFile open(const std::string& path);

  SafetensorsFile(SafetensorsFile&&) noexcept = default;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept = default;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& source() const { return source_; }
  size_t data_offset() const { return data_offset_; }  // 8 + header length
  const std::map<std::string, std::string>& metadata() const { return metadata_; }  // "__metadata__"
  // Tensors in data order (ascending data_offsets).
  const std::vector<TensorView>& tensors() const { return tensors_; }
  const TensorView* tensor(std::string_view name) const;  // nullptr when absent

 private:
  SafetensorsFile() = default;
  void parse_header(std::span<const uint8_t> bytes);

  std::string source_;
  MappedFile map_;  // empty when parsed from caller-owned bytes
  size_t data_offset_ = 0;
  std::map<std::string, std::string> metadata_;
  std::vector<TensorView> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

// The DType of a safetensors dtype string. Throws LoadError "<source>: unsupported dtype U8 for tensor 'x'"
// for dtypes safetensors defines but edgeserve does not load (U8, BOOL, F8_*, ...) and "unknown dtype" for
// anything else.
DType safetensors_dtype(std::string_view dtype, std::string_view tensor_name, std::string_view source);

}  // namespace edgeserve
