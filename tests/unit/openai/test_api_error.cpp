// ApiError: the wire shape compared against OpenAI's documented error object (all four keys, null when
// absent), each constructor's status/type/code against docs/OPENAI_COMPAT.md's table, and input scrubbing
// (truncation, control characters, invalid UTF-8) against hand-written expected strings.
#include <catch2/catch.hpp>

#include <string>

#include "engine/util/utf8.h"
#include "server/openai/api_error.h"

using namespace edgeserve::openai;

TEST_CASE("ApiError::to_json has exactly message, type, param, code", "[openai]") {
  const ApiError error = invalid_request("temperature must be a number", "temperature");
  const nlohmann::json json = error.to_json();
  REQUIRE(json.size() == 1);
  REQUIRE(json.contains("error"));
  const nlohmann::json& body = json["error"];
  CHECK(body.size() == 4);
  CHECK(body["message"] == "temperature must be a number");
  CHECK(body["type"] == "invalid_request_error");
  CHECK(body["param"] == "temperature");
  CHECK(body["code"].is_null());
}

TEST_CASE("ApiError::to_json writes null for absent param and code", "[openai]") {
  const nlohmann::json body = server_error("engine stopped").to_json()["error"];
  CHECK(body.size() == 4);
  CHECK(body.contains("param"));
  CHECK(body.contains("code"));
  CHECK(body["param"].is_null());
  CHECK(body["code"].is_null());
}

TEST_CASE("ApiError constructors give the documented status, type and code", "[openai]") {
  struct Case {
    ApiError error;
    int status;
    const char* type;
    std::optional<std::string> code;
  };
  const Case cases[] = {
      {invalid_request("x", "p", "context_length_exceeded"), 400, "invalid_request_error", "context_length_exceeded"},
      {not_found("x", "model", "model_not_found"), 404, "invalid_request_error", "model_not_found"},
      {method_not_allowed("x"), 405, "invalid_request_error", std::nullopt},
      {payload_too_large("x"), 413, "invalid_request_error", std::nullopt},
      {unsupported_media_type("x"), 415, "invalid_request_error", std::nullopt},
      {unauthorized("x"), 401, "authentication_error", "invalid_api_key"},
      {rate_limited("x"), 429, "rate_limit_error", std::nullopt},
      {unavailable("x"), 503, "service_unavailable", std::nullopt},
      {server_error("x"), 500, "server_error", std::nullopt},
  };
  for (const Case& c : cases) {
    INFO(c.error.to_json().dump());
    CHECK(c.error.status == c.status);
    CHECK(c.error.type == c.type);
    CHECK(c.error.code == c.code);
    CHECK(c.error.to_json()["error"]["type"] == c.type);
  }
  // Validation errors must never be retried by the SDK, i.e. never 5xx, 408, 409 or 429.
  CHECK(invalid_request("x").status == 400);
  CHECK(invalid_request("x").param == std::nullopt);
}

TEST_CASE("quote_input truncates long input to about 100 bytes", "[openai]") {
  const std::string quoted = quote_input(std::string(5000, 'a'));
  CHECK(quoted == "\"" + std::string(100, 'a') + "...\"");
  CHECK(quote_input("short") == "\"short\"");
}

TEST_CASE("quote_input escapes control characters", "[openai]") {
  CHECK(quote_input(std::string("a\nb\tc\rd\x01" "e\x7f", 10)) == "\"a\\nb\\tc\\rd\\x01e\\x7f\"");
  CHECK(quote_input(std::string("nul\0byte", 8)) == "\"nul\\x00byte\"");
}

TEST_CASE("quote_input replaces invalid UTF-8 and never cuts a character", "[openai]") {
  CHECK(quote_input("bad\xff") == "\"bad\xEF\xBF\xBD\"");  // U+FFFD
  // 50 two-byte characters = 100 bytes fit; the 51st does not and is not split.
  std::string accents;
  for (int i = 0; i < 60; ++i) accents += "\xC3\xA9";  // é
  const std::string quoted = quote_input(accents);
  CHECK(edgeserve::utf8::is_valid(quoted));
  CHECK(quoted.size() == 1 + 100 + 3 + 1);
}

TEST_CASE("ApiError messages are scrubbed so dump() never throws", "[openai]") {
  const ApiError error = invalid_request(std::string("raw \xC0 byte\n") + std::string(3000, 'x'));
  CHECK(edgeserve::utf8::is_valid(error.message));
  CHECK(error.message.find('\n') == std::string::npos);
  CHECK(error.message.size() < 1100);
  // A hand-built error with binary content still serializes.
  ApiError raw{400, "invalid_request_error", "bin \xff\xfe", std::string("p\xff"), std::nullopt};
  const std::string dumped = raw.to_json().dump();
  CHECK(edgeserve::utf8::is_valid(dumped));
}
