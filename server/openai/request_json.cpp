// Body parsing and typed field reading for the request parsers (see request_json.h).
#include "server/openai/request_json.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace edgeserve::openai::detail {

namespace {

using Json = nlohmann::ordered_json;

bool is_blank(std::string_view text) {
  for (char c : text)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  return true;
}

// Deepest [ / { nesting outside strings. Counts only; validity is the parser's business.
int max_nesting_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > kMaxJsonDepth) return deepest;  // enough to refuse; no need to read on
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line L, column C: <fault>; last read:
// '<input>'". Keep the position and the fault; drop the tag and the echoed input.
std::string describe_parse_error(const nlohmann::json::parse_error& error) {
  std::string text = error.what();
  if (const size_t tag_end = text.find("] "); tag_end != std::string::npos) text.erase(0, tag_end + 2);
  if (const size_t echo = text.find("; last read"); echo != std::string::npos) text.erase(echo);
  return text;
}

[[noreturn]] void fail_type(const char* name, const char* expected, const Json& value) {
  fail(std::string(name) + " must be " + expected + ", got " + json_kind(value), name);
}

const Json* find_present(const Json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

bool is_nested_too_deep(std::string_view text) { return max_nesting_depth(text) > kMaxJsonDepth; }

void fail(std::string message, std::optional<std::string> param) {
  throw RequestFault{invalid_request(std::move(message), std::move(param))};
}

Json parse_request_body(std::string_view body) {
  if (is_blank(body)) fail("request body is empty; expected a JSON object", std::nullopt);
  if (is_nested_too_deep(body))
    fail("request body nests arrays/objects deeper than " + std::to_string(kMaxJsonDepth) + " levels",
         std::nullopt);
  Json parsed;
  try {
    parsed = Json::parse(body);
  } catch (const nlohmann::json::parse_error& error) {
    // byte is 1-based and lands past the end when the input stopped in the middle of a value.
    if (error.byte > body.size())
      fail("request body is not valid JSON: it ends early (truncated after " + std::to_string(body.size()) +
               " bytes)",
           std::nullopt);
    fail("request body is not valid JSON: " + describe_parse_error(error), std::nullopt);
  } catch (const nlohmann::json::out_of_range&) {
    // 406: a number literal beyond double's range (1e999); JSON allows it, doubles do not.
    fail("request body is not valid JSON: a number is out of range", std::nullopt);
  }
  if (!parsed.is_object())
    fail(std::string("request body must be a JSON object, got ") + json_kind(parsed), std::nullopt);
  return parsed;
}

const char* json_kind(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "object";
    case Json::value_t::array: return "array";
    case Json::value_t::string: return "string";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "number";
    default: return "unknown";
  }
}

std::optional<int64_t> as_integer(const Json& value) {
  if (value.is_number_unsigned()) {
    const uint64_t v = value.get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number_float()) {
    const double v = value.get<double>();
    // [-2^63, 2^63): the doubles that convert to int64 without UB.
    if (std::isfinite(v) && std::trunc(v) == v && v >= -9223372036854775808.0 && v < 9223372036854775808.0)
      return static_cast<int64_t>(v);
  }
  return std::nullopt;
}

std::optional<double> read_number(const Json& object, const char* name) {
  const Json* value = find_present(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number()) fail_type(name, "a number", *value);
  return value->get<double>();
}

std::optional<int64_t> read_integer(const Json& object, const char* name) {
  const Json* value = find_present(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number()) fail_type(name, "an integer", *value);
  const std::optional<int64_t> integer = as_integer(*value);
  if (!integer) {
    if (value->is_number_float() && std::trunc(value->get<double>()) != value->get<double>())
      fail(std::string(name) + " must be an integer, got " + value->dump(), name);
    fail(std::string(name) + " is out of range, got " + value->dump(), name);
  }
  return integer;
}

std::optional<bool> read_bool(const Json& object, const char* name) {
  const Json* value = find_present(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) fail_type(name, "a boolean", *value);
  return value->get<bool>();
}

std::optional<std::string> read_string(const Json& object, const char* name) {
  const Json* value = find_present(object, name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) fail_type(name, "a string", *value);
  return value->get<std::string>();
}

const Json* read_object(const Json& object, const char* name) {
  const Json* value = find_present(object, name);
  if (value != nullptr && !value->is_object()) fail_type(name, "an object", *value);
  return value;
}

const Json* read_array(const Json& object, const char* name) {
  const Json* value = find_present(object, name);
  if (value != nullptr && !value->is_array()) fail_type(name, "an array", *value);
  return value;
}

}  // namespace edgeserve::openai::detail
