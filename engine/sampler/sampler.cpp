// Sampler (see sampler.h).
#include "engine/sampler/sampler.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "engine/sampler/logit_math.h"
#include "engine/sampler/logits_processors.h"
#include "engine/sampler/logprobs.h"

namespace edgeserve::sampler {

namespace {
constexpr int64_t kChunk = 256;  // full-distribution draws find the chunk first, then the token in it
}  // namespace

Sampler::Sampler(int64_t vocab_size)
    : vocab_size_(vocab_size),
      selector_(vocab_size),
      raw_logits_(static_cast<size_t>(vocab_size)),
      weights_(static_cast<size_t>(vocab_size)),
      chunk_mass_(static_cast<size_t>((vocab_size + kChunk - 1) / kChunk)) {
  assert(vocab_size > 0 && vocab_size <= INT32_MAX);
}

SampleResult Sampler::sample(std::span<float> logits, const SamplingParams& params, SequenceSamplingState& state,
                             const SamplerHooks& hooks) {
  assert(params.is_resolved());
  assert(static_cast<int64_t>(logits.size()) == vocab_size_);
  const bool want_logprobs = params.logprobs;
  const bool forced = hooks.forced_token_id.has_value();
  const bool min_tokens_active = state.num_output_tokens() < params.min_tokens;
  const bool edits = !forced && (!params.logit_bias.empty() || min_tokens_active || params.has_penalties() ||
                                 hooks.allowed_tokens != nullptr);
  // Logprobs are of the raw row: keep a copy only when the row is about to change.
  if (want_logprobs && edits) std::copy(logits.begin(), logits.end(), raw_logits_.begin());
  const std::span<const float> raw =
      want_logprobs && edits ? std::span<const float>(raw_logits_) : std::span<const float>(logits);

  int32_t token_id = -1;
  if (forced) {
    token_id = *hooks.forced_token_id;
    assert(token_id >= 0 && token_id < vocab_size_);
  } else {
    if (!params.logit_bias.empty()) apply_logit_bias(logits, params.logit_bias);
    if (min_tokens_active) apply_min_tokens(logits, params.all_stop_token_ids);
    if (params.has_penalties())
      apply_penalties(logits, state.token_counts(), static_cast<float>(*params.repetition_penalty),
                      static_cast<float>(params.frequency_penalty), static_cast<float>(params.presence_penalty));
    if (hooks.allowed_tokens != nullptr) apply_token_mask(logits, *hooks.allowed_tokens);

    const float max_logit = max_value(logits.data(), vocab_size_);
    if (max_logit == -std::numeric_limits<float>::infinity())
      throw std::runtime_error("sampler: no token can be sampled: every logit is -inf or NaN after logit_bias, "
                               "min_tokens and the allowed-token mask");
    // +inf is a model fault, but the only meaningful draw is the (lowest-id) infinite token.
    if (params.is_greedy() || std::isinf(max_logit))
      token_id = static_cast<int32_t>(first_index_of(logits.data(), vocab_size_, max_logit));
    else
      token_id = sample_random(logits, max_logit, params, state.rng());
  }

  state.append_output_token(token_id);
  SampleResult result;
  result.token_id = token_id;
  if (want_logprobs) fill_logprobs(raw, token_id, params.top_logprobs, result);
  return result;
}

int32_t Sampler::sample_random(std::span<const float> logits, float max_logit, const SamplingParams& params,
                               SamplingRng& rng) {
  FilterParams filter;
  filter.temperature = static_cast<float>(*params.temperature);
  filter.top_k = *params.top_k;
  filter.top_p = *params.top_p;
  filter.min_p = *params.min_p;
  const double uniform = rng.next_double();
  if (!filter.any()) return sample_full_distribution(logits, max_logit, filter.temperature, uniform);

  selector_.select(logits, max_logit, filter);
  const std::span<const Candidate> candidates = selector_.candidates();
  const std::span<const float> weights = selector_.weights();
  assert(!candidates.empty());  // the max-logit token survives every filter
  const double target = uniform * selector_.total_weight();
  double mass = 0.0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    mass += weights[i];  // same order as total_weight(): the walk ends inside the list
    if (target < mass) return candidates[i].token_id;
  }
  return candidates.back().token_id;
}

int32_t Sampler::sample_full_distribution(std::span<const float> logits, float max_logit, float temperature,
                                          double uniform) {
  const float inv_temperature = 1.0f / temperature;
  const int64_t num_chunks = static_cast<int64_t>(chunk_mass_.size());
  double total = 0.0;
  for (int64_t c = 0; c < num_chunks; ++c) {
    const int64_t start = c * kChunk;
    const int64_t length = std::min(kChunk, vocab_size_ - start);
    chunk_mass_[c] = exp_weights(logits.data() + start, length, max_logit, inv_temperature, weights_.data() + start);
    total += chunk_mass_[c];
  }
  const double target = uniform * total;
  double mass = 0.0;
  int64_t chunk = 0;
  while (chunk + 1 < num_chunks && !(target < mass + chunk_mass_[chunk])) mass += chunk_mass_[chunk++];
  // Inside the chunk the running sum can round short of the chunk's lane sum: fall back to its last token
  // with weight, and then to any earlier one (the max-logit token has weight 1, so one exists).
  const int64_t start = chunk * kChunk;
  const int64_t end = std::min(vocab_size_, start + kChunk);
  int64_t last_with_weight = -1;
  for (int64_t i = start; i < end; ++i) {
    if (weights_[i] <= 0.0f) continue;
    last_with_weight = i;
    mass += weights_[i];
    if (target < mass) return static_cast<int32_t>(i);
  }
  if (last_with_weight >= 0) return static_cast<int32_t>(last_with_weight);
  for (int64_t i = start - 1; i >= 0; --i)
    if (weights_[i] > 0.0f) return static_cast<int32_t>(i);
  return static_cast<int32_t>(first_index_of(logits.data(), vocab_size_, max_logit));
}

void Sampler::fill_logprobs(std::span<const float> raw_logits, int32_t token_id, int32_t num_top,
                            SampleResult& result) {
  const double normalizer = log_sum_exp(raw_logits);
  const float token_logit = raw_logits[static_cast<size_t>(token_id)];
  result.has_logprobs = true;
  result.logprob = static_cast<float>(static_cast<double>(token_logit) - normalizer);
  result.rank = 1 + count_greater(raw_logits.data(), vocab_size_, token_logit);
  const int32_t count = top_n_logits(raw_logits, std::min(num_top, kMaxTopLogprobs), top_scratch_.data());
  for (int32_t i = 0; i < count; ++i)
    result.top_logprobs[i] = TokenLogprob{top_scratch_[i].token_id,
                                          static_cast<float>(static_cast<double>(top_scratch_[i].logit) - normalizer)};
  result.num_top_logprobs = count;
}

}  // namespace edgeserve::sampler
