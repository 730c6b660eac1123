#pragma once
// Sampler: turns one sequence's logits row into its next token, following vLLM V1's order:
//   logit_bias -> min_tokens -> penalties -> allowed-token mask (hook) -> greedy, or
//   temperature -> min_p -> top_k -> top_p -> draw from the renormalized survivors with the sequence's RNG.
// (vLLM V0 and HF apply min_p last, after top_p; V1 applies it with the argmax-invariant processors before
// top_k/top_p, and that is what we follow: the two differ when min_p and top_p are both set.)
// A forced token (hook) skips all of it. Logprobs are the model's raw log-softmax (vLLM's default
// "raw_logprobs"; OpenAI's logprobs are of the model's distribution): before bias, penalties, mask and
// temperature. Draws: one RNG double per randomly sampled token; greedy and forced steps draw nothing.
// Owns only scratch memory sized once for the vocabulary: nothing is allocated per call once warm. Not
// thread-safe: one Sampler per engine thread. The sequence state and params belong to the caller.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/sampler/candidates.h"
#include "engine/sampler/sequence_sampling_state.h"
#include "engine/sampler/token_bitmask.h"
#include "scheduler/sampling_params.h"

namespace edgeserve::sampler {

struct TokenLogprob {
  int32_t token_id;
  float logprob;
};

struct SampleResult {
  int32_t token_id = -1;
  bool has_logprobs = false;   // params.logprobs was set; the fields below are filled
  float logprob = 0.0f;        // raw log-softmax of token_id
  int64_t rank = 0;            // 1 + number of tokens with a higher raw logit
  int32_t num_top_logprobs = 0;
  std::array<TokenLogprob, kMaxTopLogprobs> top_logprobs{};  // [num_top_logprobs], (logprob desc, id asc)

  std::span<const TokenLogprob> top() const {
    return {top_logprobs.data(), static_cast<size_t>(num_top_logprobs)};
  }
};

// Per-step interventions from other layers.
struct SamplerHooks {
  const TokenBitmask* allowed_tokens = nullptr;  // structured output: clear bits become -inf
  std::optional<int32_t> forced_token_id = std::nullopt;  // thinking budget: emit this token, sample nothing
};

class Sampler {
 public:
  explicit Sampler(int64_t vocab_size);

  // Samples the next token of a sequence and appends it to `state` (counts and output length).
  // `logits` [vocab_size] is edited in place (bias, penalties, mask); its contents afterwards are unspecified.
  // Call only with params.is_resolved() and validated against this vocabulary. Throws std::runtime_error
  // when no token is left to sample (every logit -inf or NaN after the mask and min_tokens).
  SampleResult sample(std::span<float> logits, const SamplingParams& params, SequenceSamplingState& state,
                      const SamplerHooks& hooks = {});

  int64_t vocab_size() const { return vocab_size_; }

 private:
  int32_t sample_random(std::span<const float> logits, float max_logit, const SamplingParams& params,
                        SamplingRng& rng);
  int32_t sample_full_distribution(std::span<const float> logits, float max_logit, float temperature,
                                   double uniform);
  void fill_logprobs(std::span<const float> raw_logits, int32_t token_id, int32_t num_top,
                     SampleResult& result);

  int64_t vocab_size_;
  CandidateSelector selector_;
  std::vector<float> raw_logits_;   // [vocab_size] the row before edits, when logprobs are asked
  std::vector<float> weights_;      // [vocab_size] exp((logit - max) / T) for full-distribution draws
  std::vector<double> chunk_mass_;  // [ceil(vocab_size / kChunk)] sums of weights_ per chunk
  std::array<Candidate, kMaxTopLogprobs> top_scratch_{};
};

}  // namespace edgeserve::sampler
