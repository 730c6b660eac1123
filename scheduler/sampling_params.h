#pragma once
// SamplingParams: the per-request sampling settings the scheduler carries and the sampler reads. Plain data;
// parsing them from JSON belongs to server/openai, applying them to logits to engine/sampler.
// Semantics (vLLM's SamplingParams; OpenAI's chat API where vLLM follows it):
//   - temperature, top_p, top_k, min_p, repetition_penalty may be left unset by the request: `resolved()` then
//     takes the model's generation_config.json value, else the neutral value (1, 1, off, off, 1) -- vLLM's
//     precedence "request > generation_config > default".
//   - temperature range is OpenAI's [0, 2] (vLLM accepts any value >= 0); temperature < 1e-5 samples greedily
//     (vLLM's _SAMPLING_EPS).
//   - top_k: 0 or -1 = off (vLLM accepts both); top_p in (0, 1]; min_p in [0, 1].
//   - repetition_penalty (HF/vLLM): over tokens of the prompt AND the output, positive logits are divided by it,
//     others multiplied. presence/frequency (OpenAI): over OUTPUT tokens only,
//     logit -= presence * (count > 0) + frequency * count.
//   - logit_bias (OpenAI): token id -> bias in [-100, 100], added first, before the penalties.
//   - logprobs / top_logprobs (OpenAI chat: a bool and 0..20 alternatives); top_logprobs needs logprobs.
//   - min_tokens (vLLM): the stop tokens (all_stop_token_ids) are masked until that many tokens are output.
// This header must not include engine headers (dependency direction config <- scheduler <- engine).
#include <cassert>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/model_config.h"

namespace edgeserve {

inline constexpr int32_t kMaxTopLogprobs = 20;       // OpenAI's limit for top_logprobs
inline constexpr double kGreedyTemperatureEpsilon = 1e-5;  // vLLM's _SAMPLING_EPS

// A rejected parameter: `param` is the request field's name (the OpenAI error object's "param").
struct SamplingParamsError {
  std::string param;
  std::string message;
};

struct SamplingParams {
  // Unset = the model's generation_config.json decides (see resolved()).
  std::optional<double> temperature;         // [0, 2]; < 1e-5 is greedy
  std::optional<double> top_p;               // (0, 1]; 1 = off
  std::optional<int64_t> top_k;              // >= -1; 0 or -1 = off
  std::optional<double> min_p;               // [0, 1]; 0 = off
  std::optional<double> repetition_penalty;  // > 0; 1 = off

  double presence_penalty = 0.0;             // [-2, 2]
  double frequency_penalty = 0.0;            // [-2, 2]
  std::map<int32_t, float> logit_bias;       // token id in [0, vocab) -> bias in [-100, 100]
  std::optional<uint64_t> seed;              // unset: the sequence draws one from a global random source

  bool logprobs = false;                     // return the sampled token's logprob
  int32_t top_logprobs = 0;                  // [0, 20] most likely alternatives per token; needs logprobs

  std::optional<int64_t> max_tokens;         // >= 1; unset = until the context is full
  int64_t min_tokens = 0;                    // >= 0 and <= max_tokens
  std::vector<int32_t> stop_token_ids;       // extra ids that finish the sequence (in the vocabulary)
  bool ignore_eos = false;                   // do not stop on the model's eos ids

  // Filled by resolved(): stop_token_ids plus, unless ignore_eos, the model's eos ids (vLLM's
  // all_stop_token_ids). The scheduler finishes a sequence on any of them; min_tokens masks them.
  std::vector<int32_t> all_stop_token_ids;

  // Checks every set field; the first fault is returned, naming the request parameter. Call it on the request
  // before resolved() so that the error names what the client sent.
  std::optional<SamplingParamsError> validate(int64_t vocab_size) const;

  // A copy with every optional sampling field set (request > model default > neutral) and
  // all_stop_token_ids filled. `eos_token_ids` is the model's list (ModelConfig::eos_token_ids).
  SamplingParams resolved(const GenerationDefaults& defaults, std::span<const int32_t> eos_token_ids) const;

  // True once resolved() has set the optional sampling fields; the sampler requires it.
  bool is_resolved() const {
    return temperature && top_p && top_k && min_p && repetition_penalty;
  }
  // Predicates on resolved params (call only if is_resolved()).
  bool is_greedy() const { return assert(is_resolved()), *temperature < kGreedyTemperatureEpsilon; }
  bool has_top_k() const { return assert(is_resolved()), *top_k > 0; }
  bool has_top_p() const { return assert(is_resolved()), *top_p < 1.0; }
  bool has_min_p() const { return assert(is_resolved()), *min_p > 0.0; }
  bool has_penalties() const {
    assert(is_resolved());
    return *repetition_penalty != 1.0 || presence_penalty != 0.0 || frequency_penalty != 0.0;
  }
};

}  // namespace edgeserve
