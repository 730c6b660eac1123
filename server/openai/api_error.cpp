// ApiError construction and serialization (see api_error.h).
#include "server/openai/api_error.h"

#include <algorithm>
#include <utility>

#include "engine/util/utf8.h"

namespace edgeserve::openai {

namespace {

// A message is ours, but it may quote input; this bounds its size whatever a caller put in it.
constexpr size_t kMaxMessageBytes = 1024;

void append_escaped_byte(std::string& out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (byte) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default:
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
  }
}

// Valid UTF-8 with control characters escaped, at most `max_bytes` of the (sanitized) input kept.
std::string scrub(std::string_view input, size_t max_bytes) {
  const std::string valid = utf8::is_valid(input) ? std::string(input) : utf8::sanitize(input);
  std::string out;
  out.reserve(std::min(valid.size(), max_bytes) + 8);
  size_t pos = 0;
  while (pos < valid.size()) {
    const auto lead = static_cast<unsigned char>(valid[pos]);
    size_t len = utf8::sequence_length(lead);
    if (len == 0 || pos + len > valid.size()) len = 1;  // cannot happen after sanitize; stay bounded anyway
    if (pos + len > max_bytes) {
      out += "...";
      break;
    }
    if (lead < 0x20 || lead == 0x7f)
      append_escaped_byte(out, lead);
    else
      out.append(valid, pos, len);
    pos += len;
  }
  return out;
}

ApiError make_error(int status, std::string type, std::string message, std::optional<std::string> param,
                    std::optional<std::string> code) {
  return ApiError{status, std::move(type), scrub(message, kMaxMessageBytes), std::move(param), std::move(code)};
}

nlohmann::json optional_text(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return scrub(*text, kMaxMessageBytes);
}

}  // namespace

nlohmann::json ApiError::to_json() const {
  nlohmann::json error = nlohmann::json::object();
  error["message"] = scrub(message, kMaxMessageBytes);
  error["type"] = scrub(type, kMaxMessageBytes);
  error["param"] = optional_text(param);
  error["code"] = optional_text(code);
  return nlohmann::json{{"error", std::move(error)}};
}

std::string quote_input(std::string_view input, size_t max_bytes) {
  // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "\"" + std::string + "\"".
  std::string quoted(1, '"');
  quoted += scrub(input, max_bytes);
  quoted += '"';
  return quoted;
}

ApiError invalid_request(std::string message, std::optional<std::string> param, std::optional<std::string> code) {
  return make_error(400, "invalid_request_error", std::move(message), std::move(param), std::move(code));
}

ApiError not_found(std::string message, std::optional<std::string> param, std::optional<std::string> code) {
  return make_error(404, "invalid_request_error", std::move(message), std::move(param), std::move(code));
}

ApiError method_not_allowed(std::string message) {
  return make_error(405, "invalid_request_error", std::move(message), std::nullopt, std::nullopt);
}

ApiError payload_too_large(std::string message) {
  return make_error(413, "invalid_request_error", std::move(message), std::nullopt, std::nullopt);
}

ApiError unsupported_media_type(std::string message) {
  return make_error(415, "invalid_request_error", std::move(message), std::nullopt, std::nullopt);
}

ApiError unauthorized(std::string message) {
  return make_error(401, "authentication_error", std::move(message), std::nullopt, "invalid_api_key");
}

ApiError rate_limited(std::string message) {
  return make_error(429, "rate_limit_error", std::move(message), std::nullopt, std::nullopt);
}

ApiError unavailable(std::string message) {
  return make_error(503, "service_unavailable", std::move(message), std::nullopt, std::nullopt);
}

ApiError server_error(std::string message) {
  return make_error(500, "server_error", std::move(message), std::nullopt, std::nullopt);
}

}  // namespace edgeserve::openai
