#pragma once
// ChatCompletionRequest: a POST /v1/chat/completions body, parsed and validated (OpenAI's chat API plus the
// vLLM extras). Pure: the whole request is judged from the body and RequestLimits; every fault is a 400
// ApiError naming the field. Must not render the template, tokenize, check the context length, or decide
// thinking/tools (those read `raw` later, in the server).
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "scheduler/sampling_params.h"
#include "server/openai/api_error.h"
#include "server/openai/request_limits.h"

namespace edgeserve::openai {

struct ChatCompletionRequest {
  std::string model;                  // as sent; empty when absent
  // Normalized for the chat template (see chat_messages.h): [{role, content: string, name?, tool_calls?,
  // tool_call_id?, reasoning_content?}], developer -> system.
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  // Validated, not resolved: unset optionals mean "model default". max_tokens holds max_completion_tokens
  // when sent, else max_tokens. logprobs / top_logprobs from the chat fields (a bool and 0..20).
  SamplingParams sampling;
  std::vector<std::string> stop;      // non-empty stop strings, at most 4
  int64_t n = 1;                      // [1, RequestLimits::max_n]
  bool stream = false;
  bool include_usage = false;         // stream_options.include_usage (stream_options needs stream: true)
  std::string user;
  nlohmann::json chat_template_kwargs = nlohmann::json::object();  // always an object
  // The whole body as sent (tools, response_format, enable_thinking, ...), keys in the client's order: tools
  // reach the chat template from here, and transformers renders them in insertion order.
  nlohmann::ordered_json raw;
};

// Parses and validates a chat completion body. Unknown fields are ignored. Precondition:
// limits.vocab_size > 0, limits.max_n >= 1.
std::variant<ChatCompletionRequest, ApiError> parse_chat_completion_request(std::string_view body,
                                                                             const RequestLimits& limits);

}  // namespace edgeserve::openai
