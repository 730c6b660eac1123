// GGUF value type names and families.
#include "engine/loader/gguf_value.h"

namespace edgeserve {

std::string_view gguf_type_name(GgufType type) {
  switch (type) {
    case GgufType::UINT8: return "uint8";
    case GgufType::INT8: return "int8";
    case GgufType::UINT16: return "uint16";
    case GgufType::INT16: return "int16";
    case GgufType::UINT32: return "uint32";
    case GgufType::INT32: return "int32";
    case GgufType::FLOAT32: return "float32";
    case GgufType::BOOL: return "bool";
    case GgufType::STRING: return "string";
    case GgufType::ARRAY: return "array";
    case GgufType::UINT64: return "uint64";
    case GgufType::INT64: return "int64";
    case GgufType::FLOAT64: return "float64";
  }
  return "unknown";
}

bool is_unsigned_integer(GgufType type) {
  return type == GgufType::UINT8 || type == GgufType::UINT16 || type == GgufType::UINT32 || type == GgufType::UINT64;
}

bool is_signed_integer(GgufType type) {
  return type == GgufType::INT8 || type == GgufType::INT16 || type == GgufType::INT32 || type == GgufType::INT64;
}

bool is_float(GgufType type) { return type == GgufType::FLOAT32 || type == GgufType::FLOAT64; }

size_t GgufArray::size() const {
  switch (element_type) {
    case GgufType::STRING: return strings.size();
    case GgufType::ARRAY: return arrays.size();
    case GgufType::FLOAT32: case GgufType::FLOAT64: return floats.size();
    case GgufType::INT8: case GgufType::INT16: case GgufType::INT32: case GgufType::INT64: return ints.size();
    default: return uints.size();
  }
}

}  // namespace edgeserve
