#pragma once
// The load loop of `bench serve`: `concurrency` worker threads (one per simulated user), each taking the next
// request index and sending it, either as soon as it is free (closed loop, fixed concurrency) or not before
// that request's Poisson arrival time (open loop, --request-rate; concurrency then caps requests in flight,
// as vLLM's --max-concurrency does). Stops issuing after num_prompts requests or when duration has passed;
// requests in flight then finish, each bounded by its own timeout.
// It owns the threads and the schedule; it must not compute metrics or print (the callback may).
#include <cstdint>
#include <functional>
#include <vector>

#include "server/bench/metrics.h"
#include "server/bench/request_client.h"

namespace edgeserve::bench {

struct LoadConfig {
  ClientSettings client;
  RequestSpec request;        // endpoint, model, max_tokens, temperature, ignore_eos; prompt is filled per request
  int64_t input_len = 256;    // words per prompt (about that many tokens)
  int64_t num_prompts = 100;  // requests to send; 0: no limit (duration must then be > 0)
  double duration_s = 0.0;    // stop issuing after this; 0: no limit (num_prompts must then be > 0)
  int concurrency = 1;        // worker threads = most requests in flight
  double request_rate = 0.0;  // Poisson arrivals per second; 0: closed loop
  uint64_t seed = 0;          // prompts and arrivals
};

struct LoadResult {
  std::vector<RequestOutput> outputs;  // in request-index order
  double duration_s = 0.0;             // start of the run to the end of the last request
};

// Called after every finished request with the counts so far; called under a lock, keep it short.
using ProgressCallback = std::function<void(int64_t num_finished, int64_t num_failed)>;

// Preconditions: concurrency >= 1; num_prompts > 0 or duration_s > 0; request_rate >= 0.
LoadResult run_load(const LoadConfig& config, const ProgressCallback& on_progress = nullptr);

}  // namespace edgeserve::bench
