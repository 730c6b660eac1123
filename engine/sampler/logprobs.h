#pragma once
// Log-softmax pieces for the logprobs a request asks for: the normalizer of a row and its N most likely
// tokens. Logprobs are taken from the raw row (vLLM V1's default logprobs_mode "raw_logprobs": the model's
// distribution, before logit_bias, penalties, masks and temperature). No allocation.
#include <cstdint>
#include <span>

#include "engine/sampler/candidates.h"

namespace edgeserve::sampler {

// ln(sum_i exp(logits[i])), computed as max + ln(sum exp(logits[i] - max)); -inf for an all -inf row.
double log_sum_exp(std::span<const float> logits);

// Writes the min(n, size) largest entries to out[0..) ordered by (logit desc, id asc); returns the count.
// `out` has room for n. Runs in one pass, skipping 64-token chunks below the current n-th value.
int32_t top_n_logits(std::span<const float> logits, int32_t n, Candidate* out);

}  // namespace edgeserve::sampler
