// percentile() and compute_metrics(). Reference: numpy.percentile's default (linear) interpolation and
// vLLM's bench serve definitions (TPOT = (E2EL - TTFT) / (output_tokens - 1) for output_tokens > 1; ITL
// pooled over all chunk gaps; throughputs over the run's wall time), evaluated by hand for the synthetic
// timelines below (numbers in the comments).
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "server/bench/metrics.h"

using namespace edgeserve::bench;

TEST_CASE("percentile interpolates linearly like numpy", "[bench]") {
  const std::vector<double> four = {4, 1, 3, 2};  // unsorted on purpose
  CHECK(percentile(four, 0) == Approx(1.0));
  CHECK(percentile(four, 50) == Approx(2.5));    // rank 1.5
  CHECK(percentile(four, 90) == Approx(3.7));    // rank 2.7: 3 + 0.7 * (4 - 3)
  CHECK(percentile(four, 99) == Approx(3.97));   // rank 2.97
  CHECK(percentile(four, 100) == Approx(4.0));
  CHECK(percentile({15, 20, 35, 40, 50}, 40) == Approx(29.0));  // rank 1.6: 20 + 0.6 * 15
  CHECK(percentile({7.5}, 99) == Approx(7.5));
  CHECK(percentile({}, 50) == 0.0);
}

TEST_CASE("latency stats: mean, population std, percentiles in ms", "[bench]") {
  LatencyStats stats = latency_stats_ms({0.1, 0.2, 0.3});
  CHECK(stats.count == 3);
  CHECK(stats.mean_ms == Approx(200.0));
  CHECK(stats.median_ms == Approx(200.0));
  CHECK(stats.std_ms == Approx(std::sqrt(20000.0 / 3.0)));  // numpy.std, ddof = 0
  CHECK(stats.p99_ms == Approx(298.0));                     // rank 1.98
  CHECK(stats.min_ms == Approx(100.0));
  CHECK(stats.max_ms == Approx(300.0));
}

namespace {

RequestOutput completed(int64_t prompt_tokens, int64_t completion_tokens, double ttft, double e2el,
                        std::vector<double> itl) {
  RequestOutput out;
  out.success = true;
  out.prompt_tokens = prompt_tokens;
  out.completion_tokens = completion_tokens;
  out.ttft_s = ttft;
  out.e2el_s = e2el;
  out.num_content_chunks = static_cast<int64_t>(itl.size()) + 1;
  out.itl_s = std::move(itl);
  return out;
}

}  // namespace

TEST_CASE("compute_metrics on synthetic timelines follows vLLM's definitions", "[bench]") {
  std::vector<RequestOutput> outputs;
  // R1: 11 tokens in 11 chunks, TTFT 100 ms, E2EL 1100 ms -> TPOT 1000 / 10 = 100 ms, ITL 10 x 100 ms
  outputs.push_back(completed(20, 11, 0.1, 1.1, std::vector<double>(10, 0.1)));
  // R2: 5 tokens, TTFT 300, E2EL 1100 -> TPOT 800 / 4 = 200 ms, ITL 4 x 200 ms
  outputs.push_back(completed(30, 5, 0.3, 1.1, std::vector<double>(4, 0.2)));
  // R3: 1 token -> no TPOT sample (division by zero in the definition), no ITL
  outputs.push_back(completed(10, 1, 0.5, 0.5, {}));
  // R4: failed with HTTP 503: only an error count
  RequestOutput failed;
  failed.error_kind = "http 503";
  failed.error_message = "overloaded";
  failed.ttft_s = 9.0;  // must not leak into the latencies
  outputs.push_back(failed);
  // R5: no usage chunk: input = 40 prompt words, output = 3 content chunks -> TPOT 600 / 2 = 300 ms
  RequestOutput no_usage = completed(-1, -1, 0.2, 0.8, {0.3, 0.3});
  no_usage.prompt_words = 40;
  outputs.push_back(no_usage);

  BenchMetrics m = compute_metrics(outputs, 2.0);
  CHECK(m.num_requests == 5);
  CHECK(m.completed == 4);
  CHECK(m.failed == 1);
  CHECK(m.errors_by_kind.at("http 503") == 1);
  CHECK(m.first_error_message.at("http 503") == "overloaded");
  CHECK(m.num_without_usage == 1);
  CHECK(m.total_input_tokens == 100);   // 20 + 30 + 10 + 40
  CHECK(m.total_output_tokens == 20);   // 11 + 5 + 1 + 3
  CHECK(m.mean_input_tokens == Approx(25.0));
  CHECK(m.mean_output_tokens == Approx(5.0));
  CHECK(m.request_throughput == Approx(2.0));       // 4 completed / 2 s
  CHECK(m.output_throughput == Approx(10.0));       // 20 / 2
  CHECK(m.total_token_throughput == Approx(60.0));  // 120 / 2

  // TTFT {100, 300, 500, 200}: sorted 100 200 300 500
  CHECK(m.ttft.count == 4);
  CHECK(m.ttft.mean_ms == Approx(275.0));
  CHECK(m.ttft.median_ms == Approx(250.0));
  CHECK(m.ttft.p90_ms == Approx(440.0));  // rank 2.7: 300 + 0.7 * 200
  CHECK(m.ttft.p99_ms == Approx(494.0));  // rank 2.97
  // TPOT {100, 200, 300}
  CHECK(m.tpot.count == 3);
  CHECK(m.tpot.mean_ms == Approx(200.0));
  CHECK(m.tpot.median_ms == Approx(200.0));
  // ITL pooled: 10 x 100, 4 x 200, 2 x 300 -> mean 2400 / 16 = 150, median 100, p90 rank 13.5 -> 250
  CHECK(m.itl.count == 16);
  CHECK(m.itl.mean_ms == Approx(150.0));
  CHECK(m.itl.median_ms == Approx(100.0));
  CHECK(m.itl.p90_ms == Approx(250.0));
  // E2EL {1100, 1100, 500, 800}
  CHECK(m.e2el.mean_ms == Approx(875.0));
  CHECK(m.e2el.max_ms == Approx(1100.0));
  CHECK(m.good_completed == 0);  // no SLO given: no goodput

  // Goodput (vLLM: every given SLO met; one-token requests have TPOT 0).
  // TTFT <= 250 ms: R1 (100) and R5 (200) -> 2 good, 1 req/s over 2 s.
  BenchMetrics ttft_slo = compute_metrics(outputs, 2.0, GoodputSlo{250.0, std::nullopt, std::nullopt});
  CHECK(ttft_slo.good_completed == 2);
  CHECK(ttft_slo.request_goodput == Approx(1.0));
  // TPOT <= 150 ms: R1 (100) and R3 (0, one token) -> 2; with TTFT <= 250 as well only R1 is left.
  CHECK(compute_metrics(outputs, 2.0, GoodputSlo{std::nullopt, 150.0, std::nullopt}).good_completed == 2);
  CHECK(compute_metrics(outputs, 2.0, GoodputSlo{250.0, 150.0, std::nullopt}).good_completed == 1);
  // E2EL <= 800 ms: R3 (500) and R5 (800, on the bound) -> 2; the failed request never counts.
  CHECK(compute_metrics(outputs, 2.0, GoodputSlo{std::nullopt, std::nullopt, 800.0}).good_completed == 2);
}

TEST_CASE("compute_metrics with only failures gives zero rates, not NaN", "[bench]") {
  RequestOutput failed;
  failed.error_kind = "connection";
  BenchMetrics m = compute_metrics({failed, failed}, 1.0);
  CHECK(m.completed == 0);
  CHECK(m.errors_by_kind.at("connection") == 2);
  CHECK(m.mean_input_tokens == 0.0);
  CHECK(m.ttft.mean_ms == 0.0);
  CHECK(m.request_throughput == 0.0);
}
