#pragma once
// ApiError: the OpenAI error object every HTTP error answers with, and one constructor per status the server
// uses. Owns the wire shape {"error": {"message", "type", "param", "code"}} (all four keys, null when absent)
// and the rule that a message never carries raw client input: quote_input() truncates and escapes what a
// message quotes, and every constructor scrubs the message to valid UTF-8 without control characters.
// Must not know about HTTP transport (headers such as Retry-After belong to the server).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace edgeserve::openai {

struct ApiError {
  int status = 500;                   // the HTTP status line
  std::string type;                   // invalid_request_error, authentication_error, rate_limit_error, ...
  std::string message;                // human-readable; names the field at fault
  std::optional<std::string> param;   // the request field at fault ("temperature", "messages"), else null
  std::optional<std::string> code;    // machine-readable reason ("invalid_api_key"), else null

  // {"error": {"message", "type", "param", "code"}}; always valid UTF-8, so dump() never throws.
  nlohmann::json to_json() const;
};

// Client input shown inside a message: double-quoted, at most `max_bytes` bytes of it (cut on a character
// boundary, "..." appended), control characters escaped (\n, \t, \xNN), invalid UTF-8 replaced by U+FFFD.
std::string quote_input(std::string_view input, size_t max_bytes = 100);

// 400 invalid_request_error: a malformed or out-of-range request (code e.g. "context_length_exceeded").
ApiError invalid_request(std::string message, std::optional<std::string> param = std::nullopt,
                         std::optional<std::string> code = std::nullopt);
// 404 invalid_request_error (unknown route; with --strict-model an unknown model, code "model_not_found").
ApiError not_found(std::string message, std::optional<std::string> param = std::nullopt,
                   std::optional<std::string> code = std::nullopt);
// 405 invalid_request_error: the route exists, the method does not.
ApiError method_not_allowed(std::string message);
// 413 invalid_request_error: the body is over the server's size limit.
ApiError payload_too_large(std::string message);
// 415 invalid_request_error: Content-Type is not application/json.
ApiError unsupported_media_type(std::string message);
// 401 authentication_error, code "invalid_api_key".
ApiError unauthorized(std::string message);
// 429 rate_limit_error: back-pressure (queue full); the SDK retries it.
ApiError rate_limited(std::string message);
// 503 service_unavailable: loading or draining; the SDK retries it.
ApiError unavailable(std::string message);
// 500 server_error: a fault of ours, never of the request.
ApiError server_error(std::string message);

}  // namespace edgeserve::openai
