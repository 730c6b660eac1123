#pragma once
// `edgeserve bench serve`: a load generator for any OpenAI-compatible server, reporting vLLM's `bench serve`
// metrics (TTFT, TPOT, ITL, E2EL, throughputs; see server/bench/metrics.h). This file owns the options and
// their validation; it must not depend on the engine: the server under test may be any program.
#include <cstdint>
#include <string>
#include <vector>

#include "server/bench/load_runner.h"

namespace CLI {
class App;
}

namespace edgeserve {

struct BenchServeOptions {
  std::string base_url = "http://127.0.0.1:8000/v1";  // requests go to {base_url}/chat/completions
  std::string model;                  // empty: the first id of GET {base_url}/models
  std::string endpoint = "chat";      // "chat" or "completions"
  int concurrency = 0;                // users in flight; 0: 1 in the closed loop, 256 with --request-rate
  double request_rate = 0.0;          // Poisson arrivals per second; 0: closed loop at --concurrency
  int64_t num_prompts = 0;            // 0: 100, or no limit when --duration is given
  int64_t input_len = 256;            // prompt words (about that many tokens)
  int64_t output_len = 128;           // max_tokens (with ignore_eos, the exact output length)
  double duration_s = 0.0;            // stop issuing requests after this many seconds; 0: no limit
  std::string api_key;                // empty: $OPENAI_API_KEY when set
  uint64_t seed = 0;
  double temperature = 0.0;
  bool ignore_eos = true;
  double timeout_s = 600.0;           // per request
  std::string json_path;              // write every figure here as JSON when set
  std::vector<std::string> goodput;   // SLOs "ttft:500", "tpot:50", "e2el:2000" (ms), as vLLM's --goodput
};

// Registers the bench serve options on its CLI11 subcommand.
void add_bench_serve_options(CLI::App& app, BenchServeOptions& options);

// Validated load configuration (defaults resolved, model still empty when not given). Throws
// std::invalid_argument naming the option at fault.
bench::LoadConfig resolve_load_config(const BenchServeOptions& options);

// "ttft:500" "tpot:50" -> SLOs in ms. Throws std::invalid_argument naming --goodput and the bad entry.
bench::GoodputSlo parse_goodput(const std::vector<std::string>& entries);

// Runs the benchmark, prints the table to stdout; returns 0 when it ran (even with failed requests),
// 2 for invalid options, 1 when the server could not be asked for its model or the JSON not written.
int run_bench_serve(const BenchServeOptions& options);

}  // namespace edgeserve
