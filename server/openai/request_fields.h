#pragma once
// The fields /v1/chat/completions and /v1/completions share: model, the sampling parameters (OpenAI and the
// vLLM extras), stop, n, stream and stream_options, user. Internal to server/openai: faults are thrown as
// detail::RequestFault. Ranges are SamplingParams::validate's; this file only reads types and the rules that
// tie fields together (max_completion_tokens over max_tokens, stream_options needs stream).
// Must not read endpoint-specific fields (messages, prompt, logprobs: their shapes differ per endpoint).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scheduler/sampling_params.h"
#include "server/openai/request_limits.h"

namespace edgeserve::openai::detail {

inline constexpr size_t kMaxStopStrings = 4;  // OpenAI's limit

struct CommonRequestFields {
  std::string model;               // as sent; empty when absent (the server answers with its served id)
  SamplingParams sampling;         // all but logprobs/top_logprobs; not yet validated
  std::vector<std::string> stop;   // non-empty strings, at most kMaxStopStrings
  int64_t n = 1;                   // [1, max_n]
  bool stream = false;
  bool include_usage = false;      // stream_options.include_usage
  std::string user;
  // Which field max_tokens came from, so that a range error names what the client sent.
  const char* max_tokens_param = "max_tokens";
};

// Reads every shared field of `body` (a JSON object). Throws RequestFault on a wrong type or a broken rule.
CommonRequestFields read_common_fields(const nlohmann::ordered_json& body, const RequestLimits& limits);

// Moves the shared fields (and the raw body) into a chat or completion request.
template <typename Request>
void move_common_fields(CommonRequestFields&& common, nlohmann::ordered_json&& body, Request& request) {
  request.model = std::move(common.model);
  request.sampling = std::move(common.sampling);
  request.stop = std::move(common.stop);
  request.n = common.n;
  request.stream = common.stream;
  request.include_usage = common.include_usage;
  request.user = std::move(common.user);
  request.raw = std::move(body);
}

// SamplingParams::validate, with the error's param renamed to `max_tokens_param` where it concerns
// max_tokens. Throws RequestFault on the first fault. Call after the endpoint has set logprobs.
void check_sampling_params(const SamplingParams& sampling, const RequestLimits& limits,
                           const char* max_tokens_param);

// An int64 narrowed to a token id; throws "<param> ... outside the vocabulary" when it cannot be one.
int32_t to_token_id(int64_t value, const RequestLimits& limits, const std::string& what, const char* param);

}  // namespace edgeserve::openai::detail
