#pragma once
// Per-request timelines and the aggregate figures of `bench serve`, with vLLM's `bench serve` definitions:
//   TTFT  = send -> first chunk carrying output text (vLLM: first chunk with content)
//   ITL   = gaps between successive output-text chunks (per chunk, so a chunk of k tokens is one gap)
//   E2EL  = send -> last byte of the response
//   TPOT  = (E2EL - TTFT) / (output_tokens - 1), only for requests with output_tokens > 1
//   request throughput = completed / duration; output throughput = sum(output_tokens) / duration;
//   total token throughput = (sum(input_tokens) + sum(output_tokens)) / duration
//   goodput = completed requests meeting every given SLO (TTFT, TPOT, E2EL in ms) / duration; a request with
//             one output token has TPOT 0 here, as in vLLM
// Percentiles interpolate linearly between order statistics (numpy's default). Failed requests count only
// as errors, by kind. This file owns the arithmetic; it must not do I/O or timing.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace edgeserve::bench {

// One request as the client saw it. Times are seconds from the moment the request was sent.
struct RequestOutput {
  bool success = false;
  std::string error_kind;        // failure only: "http 503", "connection", "timeout", "stream error", ...
  std::string error_message;     // failure only: detail for the first occurrence of a kind
  int64_t prompt_tokens = -1;    // usage.prompt_tokens; -1 when the server sent no usage
  int64_t completion_tokens = -1;  // usage.completion_tokens; -1 when absent
  int64_t prompt_words = 0;      // words sent: the input-length fallback without usage
  int64_t num_content_chunks = 0;  // chunks that carried output text: the output-length fallback
  double ttft_s = 0.0;
  std::vector<double> itl_s;     // [num_content_chunks - 1] gaps between content chunks
  double e2el_s = 0.0;
  double send_offset_s = 0.0;    // when it was sent, from the start of the run (for arrival checks)

  int64_t input_tokens() const { return prompt_tokens >= 0 ? prompt_tokens : prompt_words; }
  int64_t output_tokens() const { return completion_tokens >= 0 ? completion_tokens : num_content_chunks; }
};

// Value at percentile p in [0, 100] of the values (any order), linear interpolation; 0 when empty.
double percentile(std::vector<double> values, double p);

struct LatencyStats {  // milliseconds
  double mean_ms = 0, median_ms = 0, std_ms = 0, p90_ms = 0, p99_ms = 0, min_ms = 0, max_ms = 0;
  int64_t count = 0;   // number of samples behind the figures
};
LatencyStats latency_stats_ms(const std::vector<double>& seconds);

// Service-level objectives for goodput, in milliseconds; none set: no goodput is computed.
struct GoodputSlo {
  std::optional<double> ttft_ms, tpot_ms, e2el_ms;
  bool is_set() const { return ttft_ms || tpot_ms || e2el_ms; }
};

struct BenchMetrics {
  double duration_s = 0;
  int64_t num_requests = 0;   // sent (completed + failed)
  int64_t completed = 0;
  int64_t failed = 0;
  std::map<std::string, int64_t> errors_by_kind;
  std::map<std::string, std::string> first_error_message;  // by kind
  int64_t total_input_tokens = 0;   // completed requests only, as vLLM
  int64_t total_output_tokens = 0;
  int64_t num_without_usage = 0;    // completed requests whose lengths are fallbacks (no usage chunk)
  double mean_input_tokens = 0;
  double mean_output_tokens = 0;
  double request_throughput = 0;     // req/s
  double output_throughput = 0;      // output tok/s
  double total_token_throughput = 0; // (input + output) tok/s
  int64_t good_completed = 0;        // completed requests within every SLO (0 when no SLO is set)
  double request_goodput = 0;        // good_completed / duration, req/s
  LatencyStats ttft, tpot, itl, e2el;
};

// Precondition: duration_s > 0 when outputs is non-empty.
BenchMetrics compute_metrics(const std::vector<RequestOutput>& outputs, double duration_s,
                             const GoodputSlo& slo = {});

}  // namespace edgeserve::bench
