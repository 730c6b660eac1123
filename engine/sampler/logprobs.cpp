// log_sum_exp and top_n_logits (see logprobs.h).
#include "engine/sampler/logprobs.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "engine/sampler/logit_math.h"

namespace edgeserve::sampler {

double log_sum_exp(std::span<const float> logits) {
  const float max_logit = max_value(logits.data(), static_cast<int64_t>(logits.size()));
  if (!std::isfinite(max_logit)) return max_logit;
  const double sum = exp_weights(logits.data(), static_cast<int64_t>(logits.size()), max_logit, 1.0f, nullptr);
  return static_cast<double>(max_logit) + std::log(sum);
}

int32_t top_n_logits(std::span<const float> logits, int32_t n, Candidate* out) {
  assert(n >= 0);
  constexpr int64_t kChunk = 64;
  const int64_t size = static_cast<int64_t>(logits.size());
  const float* x = logits.data();
  int32_t count = 0;  // out[0..count) is sorted by (logit desc, id asc)
  if (n == 0) return 0;
  for (int64_t start = 0; start < size; start += kChunk) {
    const int64_t end = std::min(size, start + kChunk);
    // Ids rise through the scan, so an equal logit never displaces an earlier one: skip at <=.
    if (count == n && max_value(x + start, end - start) <= out[n - 1].logit) continue;
    for (int64_t i = start; i < end; ++i) {
      const float v = x[i];
      if (v != v) continue;  // NaN is never among the most likely
      if (count == n && !(v > out[n - 1].logit)) continue;
      int32_t pos = count < n ? count++ : n - 1;
      while (pos > 0 && out[pos - 1].logit < v) {
        out[pos] = out[pos - 1];
        --pos;
      }
      out[pos] = Candidate{v, static_cast<int32_t>(i)};
    }
  }
  return count;
}

}  // namespace edgeserve::sampler
