// CandidateSelector (see candidates.h).
#include "engine/sampler/candidates.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <limits>

#include "engine/sampler/logit_math.h"

namespace edgeserve::sampler {

namespace {

constexpr int64_t kChunk = 64;  // tokens per skip test: a chunk whose max is below the bar is not visited
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Total order used wherever candidates are ranked: higher logit first, then lower id. Because it is total,
// nth_element/sort give the same result with any standard library.
bool ranks_before(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.token_id < b.token_id);
}

}  // namespace

CandidateSelector::CandidateSelector(int64_t vocab_size) {
  assert(vocab_size > 0);
  candidates_.reserve(static_cast<size_t>(vocab_size));
  weights_.reserve(static_cast<size_t>(vocab_size));
}

float CandidateSelector::kth_largest(std::span<const float> logits, int64_t k, double lower) {
  assert(k > 0);
  heap_.clear();
  heap_.reserve(static_cast<size_t>(k));  // allocates only when k exceeds every earlier k
  const int64_t n = static_cast<int64_t>(logits.size());
  const float* x = logits.data();
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t end = std::min(n, start + kChunk);
    if (static_cast<int64_t>(heap_.size()) == k && max_value(x + start, end - start) <= heap_.front()) continue;
    for (int64_t i = start; i < end; ++i) {
      const float v = x[i];
      if (!(static_cast<double>(v) >= lower) || v == kNegInf) continue;  // also drops NaN
      if (static_cast<int64_t>(heap_.size()) < k) {
        heap_.push_back(v);
        std::push_heap(heap_.begin(), heap_.end(), std::greater<float>());
      } else if (v > heap_.front()) {
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<float>());
        heap_.back() = v;
        std::push_heap(heap_.begin(), heap_.end(), std::greater<float>());
      }
    }
  }
  return static_cast<int64_t>(heap_.size()) == k ? heap_.front() : kNegInf;
}

void CandidateSelector::collect(std::span<const float> logits, double threshold) {
  candidates_.clear();
  const int64_t n = static_cast<int64_t>(logits.size());
  const float* x = logits.data();
  for (int64_t start = 0; start < n; start += kChunk) {
    const int64_t end = std::min(n, start + kChunk);
    if (static_cast<double>(max_value(x + start, end - start)) < threshold) continue;
    for (int64_t i = start; i < end; ++i)
      if (static_cast<double>(x[i]) >= threshold && x[i] != kNegInf)
        candidates_.push_back(Candidate{x[i], static_cast<int32_t>(i)});
  }
}

void CandidateSelector::cut_to_nucleus(float max_logit, float inv_temperature, double top_p,
                                       double reference_mass) {
  const double target_mass = top_p * reference_mass;
  const size_t count = candidates_.size();
  if (count == 0) return;
  const auto weight = [&](const Candidate& c) { return fast_exp((c.logit - max_logit) * inv_temperature); };
  // Grow a top slice until it holds the nucleus; only that slice gets sorted.
  size_t slice = std::min<size_t>(count, 256);
  for (;;) {
    if (slice < count)
      std::nth_element(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(slice),
                       candidates_.end(), ranks_before);
    double mass = 0.0;
    for (size_t i = 0; i < slice; ++i) mass += weight(candidates_[i]);
    if (mass >= target_mass || slice == count) break;
    slice = std::min(count, slice * 4);
  }
  std::sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(slice), ranks_before);
  double mass_before = 0.0;
  size_t keep = 0;
  for (; keep < slice && mass_before < target_mass; ++keep) mass_before += weight(candidates_[keep]);
  candidates_.resize(std::max<size_t>(keep, 1));
}

void CandidateSelector::select(std::span<const float> logits, float max_logit, const FilterParams& filter) {
  assert(filter.any() && filter.temperature > 0.0f && std::isfinite(max_logit));
  const int64_t n = static_cast<int64_t>(logits.size());
  const float inv_temperature = 1.0f / filter.temperature;
  const double temperature = filter.temperature;

  double lower = -std::numeric_limits<double>::infinity();
  if (filter.min_p > 0.0) lower = static_cast<double>(max_logit) + temperature * std::log(filter.min_p);

  double reference_mass = -1.0;  // the mass top_p is a fraction of; < 0: the survivors' own total
  if (filter.top_k > 0 && filter.top_k < n) {
    collect(logits, std::max(lower, static_cast<double>(kth_largest(logits, filter.top_k, lower))));
  } else if (filter.min_p > 0.0) {
    collect(logits, lower);
  } else {
    // top_p alone: tokens with weight < (1 - top_p) * Z / n hold < (1 - top_p) of the mass in total, so the
    // nucleus is among the others. A 1% weight margin keeps rounding from excluding a boundary token.
    const double z = exp_weights(logits.data(), n, max_logit, inv_temperature, nullptr);
    const double min_weight = (1.0 - filter.top_p) * z / static_cast<double>(n);
    collect(logits, static_cast<double>(max_logit) + temperature * (std::log(min_weight) - 0.01));
    reference_mass = z;
  }

  if (filter.top_p < 1.0) {
    if (reference_mass < 0.0) {
      reference_mass = 0.0;
      for (const Candidate& c : candidates_) reference_mass += fast_exp((c.logit - max_logit) * inv_temperature);
    }
    cut_to_nucleus(max_logit, inv_temperature, filter.top_p, reference_mass);
  }

  weights_.resize(candidates_.size());
  total_weight_ = 0.0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    weights_[i] = fast_exp((candidates_[i].logit - max_logit) * inv_temperature);
    total_weight_ += weights_[i];
  }
}

}  // namespace edgeserve::sampler
