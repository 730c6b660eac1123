#pragma once
// GgufFile: a validated GGUF v2/v3 file (little-endian): metadata key/values and zero-copy tensor views
// into the bytes. Parsing checks every count against the bytes remaining before allocating, so a malformed
// or hostile file ends in a LoadError naming the file and the fault, never a crash.
// Does not interpret metadata (ModelConfig does, through metadata_json()) nor map tensors to model weights.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/loader/gguf_value.h"
#include "engine/tensor.h"
#include "engine/util/mapped_file.h"

namespace edgeserve {

class GgufFile {
 public:
  static constexpr size_t kDefaultAlignment = 32;
  static constexpr uint32_t kMaxDims = 4;        // ggml's GGML_MAX_DIMS
  static constexpr int kMaxArrayDepth = 8;       // nesting of arrays of arrays

  // Parses `bytes`, which must outlive the returned object (tensor views point into them).
  // `source_name` starts every error message. Throws LoadError.
  static GgufFile parse(std::span<const uint8_t> bytes, std::string source_name);
  // Memory-maps `path` and parses it; the map lives inside the returned object. Throws LoadError.
  static GgufFile open(const std::string& path);

  GgufFile(GgufFile&&) noexcept = default;
  GgufFile& operator=(GgufFile&&) noexcept = default;
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& source() const { return source_; }
  uint32_t version() const { return version_; }
  size_t alignment() const { return alignment_; }
  size_t data_offset() const { return data_offset_; }  // file offset of the (aligned) tensor data section

  // Metadata in file order.
  const std::vector<GgufKeyValue>& metadata() const { return metadata_; }
  const GgufValue* find(std::string_view key) const;  // nullptr when absent

  // Typed getters: nullopt (or nullptr) when the key is absent; LoadError naming the key and both types
  // when present with another type.
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<uint64_t> get_uint(std::string_view key) const;   // any integer type, value >= 0
  std::optional<int64_t> get_int(std::string_view key) const;     // any integer type, value <= INT64_MAX
  std::optional<double> get_float(std::string_view key) const;    // float types, and integers converted
  std::optional<bool> get_bool(std::string_view key) const;
  // No copy: the vector lives in this GgufFile (the tokenizer reads 151k tokens this way).
  const std::vector<std::string>* get_string_array(std::string_view key) const;
  std::optional<std::vector<int64_t>> get_int_array(std::string_view key) const;   // integer or bool elements
  std::optional<std::vector<double>> get_float_array(std::string_view key) const;  // float or integer elements

  // Tensors in file (tensor-info) order; shapes outermost first (GGUF ne[] reversed).
  const std::vector<TensorView>& tensors() const { return tensors_; }
  const TensorView* tensor(std::string_view name) const;  // nullptr when absent

  // Metadata as a JSON object: scalars as numbers/bools/strings (FLOAT32 as its shortest decimal, so 1e-6f
  // reads 1e-06; strings with invalid UTF-8 sanitized to U+FFFD), arrays of at most max_array_len elements
  // as JSON arrays (nested likewise); a longer array (or one holding a longer array) is omitted, so the
  // config layer never copies the vocabulary.
  nlohmann::json metadata_json(size_t max_array_len) const;

 private:
  GgufFile() = default;
  const GgufValue& require_type(std::string_view key, const GgufValue& value, bool ok, std::string_view want) const;

  std::string source_;
  MappedFile map_;  // empty when parsed from caller-owned bytes
  uint32_t version_ = 0;
  size_t alignment_ = kDefaultAlignment;
  size_t data_offset_ = 0;
  std::vector<GgufKeyValue> metadata_;
  std::map<std::string, size_t, std::less<>> metadata_index_;
  std::vector<TensorView> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;

  friend class GgufParser;
};

}  // namespace edgeserve
