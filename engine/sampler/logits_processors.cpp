// In-place logits edits (see logits_processors.h).
#include "engine/sampler/logits_processors.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace edgeserve::sampler {

void apply_logit_bias(std::span<float> logits, const std::map<int32_t, float>& logit_bias) {
  for (const auto& [token_id, bias] : logit_bias) {
    assert(token_id >= 0 && static_cast<size_t>(token_id) < logits.size());
    logits[static_cast<size_t>(token_id)] += bias;
  }
}

void apply_min_tokens(std::span<float> logits, std::span<const int32_t> stop_token_ids) {
  for (int32_t token_id : stop_token_ids)
    if (token_id >= 0 && static_cast<size_t>(token_id) < logits.size())
      logits[static_cast<size_t>(token_id)] = -std::numeric_limits<float>::infinity();
}

void apply_penalties(std::span<float> logits, const TokenCounts& counts, float repetition_penalty,
                     float frequency_penalty, float presence_penalty) {
  const bool has_repetition = repetition_penalty != 1.0f;
  for (const TokenCounts::Entry& entry : counts.entries()) {
    // A token id outside the row (a prompt token past the lm_head width) has no logit to penalize.
    if (entry.token_id < 0 || static_cast<size_t>(entry.token_id) >= logits.size()) continue;
    float& logit = logits[static_cast<size_t>(entry.token_id)];
    if (has_repetition) logit = logit > 0.0f ? logit / repetition_penalty : logit * repetition_penalty;
    if (entry.output_count > 0) {
      logit -= frequency_penalty * static_cast<float>(entry.output_count);
      logit -= presence_penalty;
    }
  }
}

void apply_token_mask(std::span<float> logits, const TokenBitmask& allowed) {
  // Ids past the mask's vocabulary (lm_head rows padded beyond the tokenizer) are never allowed.
  const size_t n = logits.size();
  const size_t num_masked = std::min(n, static_cast<size_t>(allowed.vocab_size()));
  const std::span<const uint64_t> words = allowed.words();
  for (size_t w = 0; w * 64 < num_masked; ++w) {
    const uint64_t bits = words[w];
    if (bits == ~0ull) continue;
    const size_t end = std::min(num_masked, (w + 1) * 64);
    for (size_t i = w * 64; i < end; ++i)
      if ((bits >> (i % 64) & 1ull) == 0) logits[i] = -std::numeric_limits<float>::infinity();
  }
  for (size_t i = num_masked; i < n; ++i) logits[i] = -std::numeric_limits<float>::infinity();
}

}  // namespace edgeserve::sampler
