#pragma once
// The JSON layer under the request parsers: turns a body into a JSON object (or a 400 that says why not) and
// reads typed fields out of it, each wrong type a 400 naming the field. Internal to server/openai: faults
// travel as a thrown RequestFault, which the public parse_* functions catch and return as an ApiError.
// Must not know any endpoint's fields or range rules (SamplingParams::validate owns the ranges).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/openai/api_error.h"

namespace edgeserve::openai::detail {

// Nesting deeper than this is refused before parsing, so that nothing downstream (copies, dump(), the chat
// template) recurses without bound on a hostile body.
inline constexpr int kMaxJsonDepth = 128;

struct RequestFault {
  ApiError error;
};

[[noreturn]] void fail(std::string message, std::optional<std::string> param);

// True when `text` nests [ / { (outside strings) deeper than kMaxJsonDepth; valid JSON or not.
bool is_nested_too_deep(std::string_view text);

// The body as a JSON object, key order kept. Throws RequestFault (400, param null) when the body is empty,
// nests too deep, is not JSON, ends early, or is JSON but not an object.
nlohmann::ordered_json parse_request_body(std::string_view body);

// "string", "number", "boolean", "array", "object", "null": for "<field> must be X, got <kind>" messages.
const char* json_kind(const nlohmann::ordered_json& value);

// Field readers: absent or null gives nullopt; any other wrong type throws "<name> must be ..." with
// param `name`. `object` must be a JSON object.
std::optional<double> read_number(const nlohmann::ordered_json& object, const char* name);
// Integers; a float with an exact integral value (2.0) is accepted as pydantic does, 2.5 is not.
std::optional<int64_t> read_integer(const nlohmann::ordered_json& object, const char* name);
std::optional<bool> read_bool(const nlohmann::ordered_json& object, const char* name);
std::optional<std::string> read_string(const nlohmann::ordered_json& object, const char* name);
// Pointer into `object` (valid while it lives), or nullptr when absent or null.
const nlohmann::ordered_json* read_object(const nlohmann::ordered_json& object, const char* name);
const nlohmann::ordered_json* read_array(const nlohmann::ordered_json& object, const char* name);

// An integer JSON value (same rules as read_integer) or nullopt when `value` is not one.
std::optional<int64_t> as_integer(const nlohmann::ordered_json& value);

}  // namespace edgeserve::openai::detail
