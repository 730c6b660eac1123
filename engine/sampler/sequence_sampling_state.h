#pragma once
// SequenceSamplingState: what the sampler remembers about one sequence between steps -- its token counts
// (for penalties and min_tokens) and its own RNG. The engine keeps one per running sequence and keeps it
// across preemption (the output so far and the RNG position survive a recompute). Sampler::sample() advances
// it; nothing else needs to.
#include <cstdint>
#include <span>

#include "engine/sampler/random.h"
#include "engine/sampler/token_counts.h"
#include "scheduler/sampling_params.h"

namespace edgeserve::sampler {

class SequenceSamplingState {
 public:
  // `seed` makes the draws reproducible; prompt tokens count for repetition_penalty.
  SequenceSamplingState(std::span<const int32_t> prompt_token_ids, uint64_t seed) : rng_(seed), seed_(seed) {
    counts_.reserve(static_cast<int64_t>(prompt_token_ids.size()) + 64);
    for (int32_t token_id : prompt_token_ids) counts_.add_prompt_token(token_id);
  }

  // The state for a request: its seed when set, else one from the global random source.
  static SequenceSamplingState for_request(const SamplingParams& params, std::span<const int32_t> prompt_token_ids) {
    return SequenceSamplingState(prompt_token_ids, params.seed ? *params.seed : draw_random_seed());
  }

  // A token became part of the output (sampled or forced).
  void append_output_token(int32_t token_id) {
    counts_.add_output_token(token_id);
    num_output_tokens_ += 1;
  }

  const TokenCounts& token_counts() const { return counts_; }
  int64_t num_output_tokens() const { return num_output_tokens_; }
  uint64_t seed() const { return seed_; }
  SamplingRng& rng() { return rng_; }

 private:
  TokenCounts counts_;
  SamplingRng rng_;
  uint64_t seed_;
  int64_t num_output_tokens_ = 0;
};

}  // namespace edgeserve::sampler
