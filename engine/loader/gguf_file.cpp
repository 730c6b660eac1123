// GgufFile accessors: key and tensor lookup, typed metadata getters with type errors that name the key,
// and the metadata -> JSON conversion the config layer reads. Parsing lives in gguf_parser.cpp.
#include <charconv>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>

#include "engine/loader/gguf_file.h"
#include "engine/loader/load_error.h"
#include "engine/util/utf8.h"

namespace edgeserve {
namespace {

// FLOAT32 values are stored widened; JSON gets the shortest decimal that round-trips the float, so
// rms_norm_eps 1e-6f reads 1e-06 instead of 9.999999974752427e-07.
double shortest_float32(double widened) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, static_cast<float>(widened));
  *res.ptr = '\0';
  return std::strtod(buf, nullptr);
}

std::optional<nlohmann::json> array_to_json(const GgufArray& array, size_t max_array_len);

// nullopt: an array (or an array nested in it) too long to include.
std::optional<nlohmann::json> value_to_json(const GgufValue& value, size_t max_array_len) {
  switch (value.type) {
    case GgufType::FLOAT32: return nlohmann::json(shortest_float32(std::get<double>(value.data)));
    case GgufType::FLOAT64: return nlohmann::json(std::get<double>(value.data));
    case GgufType::BOOL: return nlohmann::json(std::get<bool>(value.data));
    case GgufType::STRING: return nlohmann::json(utf8::sanitize(std::get<std::string>(value.data)));
    case GgufType::ARRAY: {
      const auto& array = std::get<GgufArray>(value.data);
      if (array.size() > max_array_len) return std::nullopt;
      return array_to_json(array, max_array_len);
    }
    default:
      if (is_signed_integer(value.type)) return nlohmann::json(std::get<int64_t>(value.data));
      return nlohmann::json(std::get<uint64_t>(value.data));
  }
}

std::optional<nlohmann::json> array_to_json(const GgufArray& array, size_t max_array_len) {
  nlohmann::json out = nlohmann::json::array();
  const GgufType t = array.element_type;
  if (t == GgufType::STRING) {
    for (const auto& s : array.strings) out.push_back(utf8::sanitize(s));
  } else if (t == GgufType::ARRAY) {
    for (const auto& inner : array.arrays) {
      auto j = value_to_json(inner, max_array_len);
      if (!j) return std::nullopt;
      out.push_back(std::move(*j));
    }
  } else if (t == GgufType::FLOAT32) {
    for (double f : array.floats) out.push_back(shortest_float32(f));
  } else if (t == GgufType::FLOAT64) {
    for (double f : array.floats) out.push_back(f);
  } else if (is_signed_integer(t)) {
    for (int64_t i : array.ints) out.push_back(i);
  } else if (t == GgufType::BOOL) {
    for (uint64_t b : array.uints) out.push_back(b != 0);
  } else {
    for (uint64_t u : array.uints) out.push_back(u);
  }
  return out;
}

}  // namespace

const GgufValue* GgufFile::find(std::string_view key) const {
  const auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].value;
}

const TensorView* GgufFile::tensor(std::string_view name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const GgufValue& GgufFile::require_type(std::string_view key, const GgufValue& value, bool ok, std::string_view want) const {
  if (!ok) {
    std::string got(gguf_type_name(value.type));
    if (value.type == GgufType::ARRAY) got += " of " + std::string(gguf_type_name(std::get<GgufArray>(value.data).element_type));
    throw_load_error(source_, "metadata key " + quote_name(key) + ": expected " + std::string(want) + ", got " + got);
  }
  return value;
}

std::optional<std::string> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  return std::get<std::string>(require_type(key, *v, v->type == GgufType::STRING, "string").data);
}

std::optional<uint64_t> GgufFile::get_uint(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  require_type(key, *v, is_unsigned_integer(v->type) || is_signed_integer(v->type), "an integer");
  if (is_unsigned_integer(v->type)) return std::get<uint64_t>(v->data);
  const int64_t i = std::get<int64_t>(v->data);
  if (i < 0) throw_load_error(source_, "metadata key " + quote_name(key) + ": expected a non-negative integer, got " + std::to_string(i));
  return static_cast<uint64_t>(i);
}

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  require_type(key, *v, is_unsigned_integer(v->type) || is_signed_integer(v->type), "an integer");
  if (is_signed_integer(v->type)) return std::get<int64_t>(v->data);
  const uint64_t u = std::get<uint64_t>(v->data);
  if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    throw_load_error(source_, "metadata key " + quote_name(key) + ": value " + std::to_string(u) + " does not fit int64");
  }
  return static_cast<int64_t>(u);
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  require_type(key, *v, is_float(v->type) || is_unsigned_integer(v->type) || is_signed_integer(v->type), "a number");
  if (is_float(v->type)) return std::get<double>(v->data);
  if (is_signed_integer(v->type)) return static_cast<double>(std::get<int64_t>(v->data));
  return static_cast<double>(std::get<uint64_t>(v->data));
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  return std::get<bool>(require_type(key, *v, v->type == GgufType::BOOL, "bool").data);
}

const std::vector<std::string>* GgufFile::get_string_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return nullptr;
  const bool ok = v->type == GgufType::ARRAY && std::get<GgufArray>(v->data).element_type == GgufType::STRING;
  return &std::get<GgufArray>(require_type(key, *v, ok, "array of string").data).strings;
}

std::optional<std::vector<int64_t>> GgufFile::get_int_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  const GgufArray* array = v->type == GgufType::ARRAY ? &std::get<GgufArray>(v->data) : nullptr;
  const bool ok = array != nullptr && (is_signed_integer(array->element_type) || is_unsigned_integer(array->element_type) ||
                                       array->element_type == GgufType::BOOL);
  require_type(key, *v, ok, "array of integer");
  if (is_signed_integer(array->element_type)) return array->ints;
  std::vector<int64_t> out;
  out.reserve(array->uints.size());
  for (uint64_t u : array->uints) {
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      throw_load_error(source_, "metadata key " + quote_name(key) + ": element " + std::to_string(u) + " does not fit int64");
    }
    out.push_back(static_cast<int64_t>(u));
  }
  return out;
}

std::optional<std::vector<double>> GgufFile::get_float_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  const GgufArray* array = v->type == GgufType::ARRAY ? &std::get<GgufArray>(v->data) : nullptr;
  const bool ok = array != nullptr && (is_float(array->element_type) || is_signed_integer(array->element_type) ||
                                       is_unsigned_integer(array->element_type));
  require_type(key, *v, ok, "array of number");
  if (is_float(array->element_type)) return array->floats;
  std::vector<double> out;
  if (is_signed_integer(array->element_type)) {
    for (int64_t i : array->ints) out.push_back(static_cast<double>(i));
  } else {
    for (uint64_t u : array->uints) out.push_back(static_cast<double>(u));
  }
  return out;
}

nlohmann::json GgufFile::metadata_json(size_t max_array_len) const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& kv : metadata_) {
    if (auto j = value_to_json(kv.value, max_array_len)) out[kv.key] = std::move(*j);
  }
  return out;
}

}  // namespace edgeserve
