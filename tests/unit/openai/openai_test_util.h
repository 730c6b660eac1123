#pragma once
// Helpers for the es_openai tests: parse a body and get either the request or the ApiError, failing the test
// with the other side's content when the outcome is not the expected one.
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "server/openai/chat_request.h"
#include "server/openai/completion_request.h"

namespace edgeserve::openai::test {

// A small vocabulary so that out-of-vocabulary ids are easy to write; max_n as the server's default.
inline RequestLimits test_limits() { return RequestLimits{/*vocab_size=*/1000, /*max_n=*/8}; }

template <typename Request>
Request expect_ok(std::variant<Request, ApiError> result) {
  if (const auto* error = std::get_if<ApiError>(&result)) FAIL("unexpected error: " << error->to_json().dump());
  return std::get<Request>(std::move(result));
}

template <typename Request>
ApiError expect_error(std::variant<Request, ApiError> result) {
  if (std::holds_alternative<Request>(result)) FAIL("expected an error, the request was accepted");
  return std::get<ApiError>(std::move(result));
}

inline ChatCompletionRequest chat_ok(const std::string& body) {
  return expect_ok(parse_chat_completion_request(body, test_limits()));
}
inline ApiError chat_error(const std::string& body) {
  return expect_error(parse_chat_completion_request(body, test_limits()));
}
inline CompletionRequest completion_ok(const std::string& body) {
  return expect_ok(parse_completion_request(body, test_limits()));
}
inline ApiError completion_error(const std::string& body) {
  return expect_error(parse_completion_request(body, test_limits()));
}

// A valid chat body with `extra` (",\"field\": value" fragments) appended to its fields.
inline std::string chat_body(const std::string& extra) {
  return R"({"model":"m","messages":[{"role":"user","content":"hi"}])" + extra + "}";
}

// Status 400, type invalid_request_error, and the param expected (nullopt: JSON null).
inline void check_400(const ApiError& error, const std::optional<std::string>& param) {
  INFO(error.to_json().dump());
  CHECK(error.status == 400);
  CHECK(error.type == "invalid_request_error");
  CHECK(error.param == param);
  CHECK_FALSE(error.message.empty());
}

}  // namespace edgeserve::openai::test
