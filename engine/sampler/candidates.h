#pragma once
// CandidateSelector: the tokens that survive min_p -> top_k -> top_p (vLLM V1's order: min_p is applied with
// the other argmax-invariant processors, before top-k/top-p), with their unnormalized weights
// exp((logit - max_logit) / temperature). Exact semantics, as vLLM's masks:
//   min_p: keep p_i >= min_p * p_max, i.e. logit_i >= max_logit + temperature * ln(min_p).
//   top_k: keep logit_i >= the k-th largest remaining logit (ties at the boundary are all kept).
//   top_p: over the remaining tokens ordered by (logit desc, id asc) and renormalized, keep a token while the
//          mass strictly before it is < top_p (the smallest prefix with mass >= top_p; the top token always).
// Cost: never sorts the vocabulary. top_k keeps a k-heap while skipping 64-token chunks below it; top_p
// alone first drops tokens with p_i < (1 - top_p) / vocab (together < 1 - top_p, so the nucleus lies inside
// what is left), then sorts only a growing top slice of the rest. Scratch buffers are reserved once.
#include <cstdint>
#include <span>
#include <vector>

namespace edgeserve::sampler {

struct Candidate {
  float logit;
  int32_t token_id;
};

struct FilterParams {
  float temperature = 1.0f;  // > 0
  int64_t top_k = 0;         // <= 0: off
  double top_p = 1.0;        // 1: off
  double min_p = 0.0;        // 0: off

  bool any() const { return top_k > 0 || top_p < 1.0 || min_p > 0.0; }
};

class CandidateSelector {
 public:
  explicit CandidateSelector(int64_t vocab_size);

  // The survivors and their weights. `max_logit` is max(logits) and finite; call only if filter.any().
  // Order: (logit desc, id asc) when top_p ran, else ascending id. Valid until the next call.
  void select(std::span<const float> logits, float max_logit, const FilterParams& filter);

  std::span<const Candidate> candidates() const { return candidates_; }
  std::span<const float> weights() const { return weights_; }  // [candidates().size()]
  double total_weight() const { return total_weight_; }         // sum of weights()

 private:
  // The k-th largest logit among those >= lower, or -inf when fewer than k qualify.
  float kth_largest(std::span<const float> logits, int64_t k, double lower);
  // candidates_ = every token with logit >= threshold and > -inf, in id order.
  void collect(std::span<const float> logits, double threshold);
  // Reorders candidates_ by (logit desc, id asc) and cuts it to the nucleus of mass top_p * reference_mass.
  void cut_to_nucleus(float max_logit, float inv_temperature, double top_p, double reference_mass);

  std::vector<Candidate> candidates_;  // capacity vocab_size
  std::vector<float> weights_;         // capacity vocab_size
  std::vector<float> heap_;            // min-heap of the k largest logits so far
  double total_weight_ = 0.0;
};

}  // namespace edgeserve::sampler
