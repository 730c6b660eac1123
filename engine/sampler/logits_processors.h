#pragma once
// The in-place edits of a logits row that come before temperature, in vLLM's order:
// logit_bias -> min_tokens -> penalties (repetition, frequency, presence) -> allowed-token mask.
// Each costs O(what it touches): the bias map, the sequence's distinct tokens, the stop ids; only the mask
// walks the vocabulary (64 tokens per word, skipping all-allowed words). No allocation.
#include <cstdint>
#include <map>
#include <span>

#include "engine/sampler/token_bitmask.h"
#include "engine/sampler/token_counts.h"

namespace edgeserve::sampler {

// logits[id] += bias for every entry (ids already validated to be in the row).
void apply_logit_bias(std::span<float> logits, const std::map<int32_t, float>& logit_bias);

// Sets the stop tokens to -inf (vLLM's min_tokens: called while fewer than min_tokens were output).
void apply_min_tokens(std::span<float> logits, std::span<const int32_t> stop_token_ids);

// HF/vLLM repetition penalty over prompt and output tokens (positive logits / penalty, others * penalty),
// then OpenAI's frequency and presence penalties over output tokens:
// logit -= frequency_penalty * output_count + presence_penalty * (output_count > 0).
void apply_penalties(std::span<float> logits, const TokenCounts& counts, float repetition_penalty,
                     float frequency_penalty, float presence_penalty);

// Tokens whose bit is clear become -inf.
void apply_token_mask(std::span<float> logits, const TokenBitmask& allowed);

}  // namespace edgeserve::sampler
