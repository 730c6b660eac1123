#pragma once
// CompletionRequest: a POST /v1/completions body (the legacy text completion API), parsed and validated.
// One prompt per request: a string, [string], [token ids] or [[token ids]]; echo and suffix are refused;
// the shared fields follow the chat endpoint's rules. Every fault is a 400 ApiError naming the field.
// Must not tokenize or check the context length.
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

inline constexpr int32_t kMaxCompletionLogprobs = kMaxTopLogprobs;  // vLLM's cap; OpenAI's own is 5

struct CompletionRequest {
  std::string model;                  // as sent; empty when absent
  // Non-empty text, or non-empty token ids each in [0, vocab_size).
  std::variant<std::string, std::vector<int32_t>> prompt;
  // Validated, not resolved. The legacy integer `logprobs` N sets logprobs = true, top_logprobs = N.
  SamplingParams sampling;
  std::vector<std::string> stop;      // non-empty stop strings, at most 4
  int64_t n = 1;                      // [1, RequestLimits::max_n]
  bool stream = false;
  bool include_usage = false;         // stream_options.include_usage
  std::string user;
  nlohmann::ordered_json raw;         // the whole body as sent, keys in the client's order
};

// Parses and validates a completion body. Unknown fields are ignored. Precondition: limits.vocab_size > 0,
// limits.max_n >= 1.
std::variant<CompletionRequest, ApiError> parse_completion_request(std::string_view body,
                                                                   const RequestLimits& limits);

}  // namespace edgeserve::openai
