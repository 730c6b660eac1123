#pragma once
// The plain whole-row reference for the sampler's filters, shared by the candidate and distribution tests:
// scale by 1/T, softmax in double, sort everything, cumulative sums -- what a numpy one-liner per filter
// would do, in vLLM V1's order (min_p, top_k, top_p).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

namespace edgeserve::test {

struct Filter {
  double temperature = 1.0;
  int64_t top_k = 0;
  double top_p = 1.0;
  double min_p = 0.0;
};

// Reference survivors: ids in the order the selector promises ((logit desc, id asc) when top_p is on,
// ascending id otherwise).
inline std::vector<int32_t> reference_survivors(const std::vector<float>& logits, const Filter& f) {
  const size_t n = logits.size();
  std::vector<double> scaled(n);
  for (size_t i = 0; i < n; ++i) scaled[i] = logits[i] / f.temperature;
  std::vector<bool> alive(n, true);
  const auto softmax_alive = [&] {
    double max_alive = -INFINITY;
    for (size_t i = 0; i < n; ++i)
      if (alive[i]) max_alive = std::max(max_alive, scaled[i]);
    std::vector<double> probs(n, 0.0);
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i)
      if (alive[i]) sum += probs[i] = std::exp(scaled[i] - max_alive);
    for (double& p : probs) p /= sum;
    return probs;
  };
  if (f.min_p > 0.0) {  // keep p >= min_p * p_max
    const std::vector<double> probs = softmax_alive();
    const double p_max = *std::max_element(probs.begin(), probs.end());
    for (size_t i = 0; i < n; ++i) alive[i] = alive[i] && probs[i] >= f.min_p * p_max;
  }
  if (f.top_k > 0 && static_cast<size_t>(f.top_k) < n) {  // keep >= the k-th largest surviving value
    std::vector<double> values;
    for (size_t i = 0; i < n; ++i)
      if (alive[i]) values.push_back(scaled[i]);
    std::sort(values.begin(), values.end(), std::greater<double>());
    if (values.size() >= static_cast<size_t>(f.top_k)) {
      const double kth = values[static_cast<size_t>(f.top_k) - 1];
      for (size_t i = 0; i < n; ++i) alive[i] = alive[i] && scaled[i] >= kth;
    }
  }
  std::vector<int32_t> order;
  for (size_t i = 0; i < n; ++i)
    if (alive[i]) order.push_back(static_cast<int32_t>(i));
  if (f.top_p < 1.0) {  // smallest (logit desc, id asc) prefix whose mass reaches top_p
    const std::vector<double> probs = softmax_alive();
    std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
      return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });
    double before = 0.0;
    size_t keep = 0;
    while (keep < order.size() && before < f.top_p) before += probs[static_cast<size_t>(order[keep++])];
    order.resize(keep);
  }
  return order;
}

// Softmax over the survivors only: the distribution the sampler must draw from ([n], zero elsewhere).
inline std::vector<double> reference_distribution(const std::vector<float>& logits, const Filter& f) {
  std::vector<double> probs(logits.size(), 0.0);
  const std::vector<int32_t> alive = reference_survivors(logits, f);
  double max_scaled = -INFINITY;
  for (int32_t id : alive) max_scaled = std::max(max_scaled, logits[static_cast<size_t>(id)] / f.temperature);
  double sum = 0.0;
  for (int32_t id : alive) sum += probs[static_cast<size_t>(id)] = std::exp(logits[static_cast<size_t>(id)] / f.temperature - max_scaled);
  for (double& p : probs) p /= sum;
  return probs;
}

}  // namespace edgeserve::test
