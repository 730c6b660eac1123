#pragma once
// GgufValue: one GGUF metadata value (scalar, string or array, arrays nested to a bounded depth), stored
// compactly: an array keeps its elements in one typed vector, so the 151k-entry tokenizer vocabulary is a
// single std::vector<std::string>, not 151k variants. Plain data, no parsing here.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace edgeserve {

// GGUF metadata value types, values as in the GGUF spec (gguf_metadata_value_type).
enum class GgufType : uint32_t {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};
inline constexpr uint32_t kNumGgufTypes = 13;

std::string_view gguf_type_name(GgufType type);  // "uint32", "array", ...
bool is_unsigned_integer(GgufType type);          // UINT8..UINT64
bool is_signed_integer(GgufType type);            // INT8..INT64
bool is_float(GgufType type);                     // FLOAT32, FLOAT64

struct GgufValue;

// Elements of one array; exactly one vector is used, chosen by element_type.
struct GgufArray {
  GgufType element_type = GgufType::UINT8;
  std::vector<uint64_t> uints;        // UINT8/16/32/64, and BOOL as 0/1
  std::vector<int64_t> ints;          // INT8/16/32/64
  std::vector<double> floats;         // FLOAT32 (widened exactly) / FLOAT64
  std::vector<std::string> strings;   // STRING (bytes as stored; not required to be UTF-8)
  std::vector<GgufValue> arrays;      // ARRAY (nested arrays)

  size_t size() const;
};

// A scalar is held in the variant alternative for its family: unsigned -> uint64_t, signed -> int64_t,
// float -> double (FLOAT32 widened exactly), BOOL -> bool, STRING -> std::string, ARRAY -> GgufArray.
struct GgufValue {
  GgufType type = GgufType::UINT8;
  std::variant<uint64_t, int64_t, double, bool, std::string, GgufArray> data;
};

struct GgufKeyValue {
  std::string key;
  GgufValue value;
};

}  // namespace edgeserve
