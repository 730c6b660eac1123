// Aggregation of request timelines into vLLM-defined serving metrics: see metrics.h.
#include "server/bench/metrics.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace edgeserve::bench {

double percentile(std::vector<double> values, double p) {
  assert(p >= 0.0 && p <= 100.0);
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double rank = p / 100.0 * static_cast<double>(values.size() - 1);
  const size_t lower = static_cast<size_t>(std::floor(rank));
  const size_t upper = std::min(lower + 1, values.size() - 1);
  const double fraction = rank - static_cast<double>(lower);
  return values[lower] + (values[upper] - values[lower]) * fraction;
}

LatencyStats latency_stats_ms(const std::vector<double>& seconds) {
  LatencyStats stats;
  stats.count = static_cast<int64_t>(seconds.size());
  if (seconds.empty()) return stats;
  std::vector<double> ms(seconds.size());
  std::transform(seconds.begin(), seconds.end(), ms.begin(), [](double s) { return s * 1000.0; });
  double sum = 0.0;
  for (double v : ms) sum += v;
  stats.mean_ms = sum / static_cast<double>(ms.size());
  double squares = 0.0;
  for (double v : ms) squares += (v - stats.mean_ms) * (v - stats.mean_ms);
  stats.std_ms = std::sqrt(squares / static_cast<double>(ms.size()));  // population std, as numpy
  stats.median_ms = percentile(ms, 50.0);
  stats.p90_ms = percentile(ms, 90.0);
  stats.p99_ms = percentile(ms, 99.0);
  stats.min_ms = *std::min_element(ms.begin(), ms.end());
  stats.max_ms = *std::max_element(ms.begin(), ms.end());
  return stats;
}

BenchMetrics compute_metrics(const std::vector<RequestOutput>& outputs, double duration_s,
                             const GoodputSlo& slo) {
  assert(outputs.empty() || duration_s > 0.0);
  BenchMetrics metrics;
  metrics.duration_s = duration_s;
  metrics.num_requests = static_cast<int64_t>(outputs.size());
  std::vector<double> ttfts, tpots, itls, e2els;
  for (const RequestOutput& out : outputs) {
    if (!out.success) {
      ++metrics.failed;
      if (metrics.errors_by_kind[out.error_kind]++ == 0) {
        metrics.first_error_message[out.error_kind] = out.error_message;
      }
      continue;
    }
    ++metrics.completed;
    if (out.prompt_tokens < 0 || out.completion_tokens < 0) ++metrics.num_without_usage;
    const int64_t output_tokens = out.output_tokens();
    metrics.total_input_tokens += out.input_tokens();
    metrics.total_output_tokens += output_tokens;
    ttfts.push_back(out.ttft_s);
    e2els.push_back(out.e2el_s);
    itls.insert(itls.end(), out.itl_s.begin(), out.itl_s.end());
    double tpot_s = 0.0;  // vLLM's goodput takes 0 for one-token requests; the TPOT stats skip them
    if (output_tokens > 1) {
      tpot_s = (out.e2el_s - out.ttft_s) / static_cast<double>(output_tokens - 1);
      tpots.push_back(tpot_s);
    }
    const bool is_good = (!slo.ttft_ms || out.ttft_s * 1000.0 <= *slo.ttft_ms) &&
                         (!slo.tpot_ms || tpot_s * 1000.0 <= *slo.tpot_ms) &&
                         (!slo.e2el_ms || out.e2el_s * 1000.0 <= *slo.e2el_ms);
    if (slo.is_set() && is_good) ++metrics.good_completed;
  }
  if (metrics.completed > 0) {
    metrics.mean_input_tokens = static_cast<double>(metrics.total_input_tokens) / metrics.completed;
    metrics.mean_output_tokens = static_cast<double>(metrics.total_output_tokens) / metrics.completed;
  }
  if (duration_s > 0.0) {
    metrics.request_throughput = static_cast<double>(metrics.completed) / duration_s;
    metrics.output_throughput = static_cast<double>(metrics.total_output_tokens) / duration_s;
    metrics.total_token_throughput =
        static_cast<double>(metrics.total_input_tokens + metrics.total_output_tokens) / duration_s;
    metrics.request_goodput = static_cast<double>(metrics.good_completed) / duration_s;
  }
  metrics.ttft = latency_stats_ms(ttfts);
  metrics.tpot = latency_stats_ms(tpots);
  metrics.itl = latency_stats_ms(itls);
  metrics.e2el = latency_stats_ms(e2els);
  return metrics;
}

}  // namespace edgeserve::bench
