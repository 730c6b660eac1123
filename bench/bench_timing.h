#pragma once
// Timing for the micro-benchmarks in bench/: the lowest mean time per call over short batches, the figure
// least disturbed by other processes on a shared machine. Printed by the tools, never asserted.
#include <algorithm>
#include <chrono>

namespace edgeserve::bench {

// Calls fn once to warm up (scratch growth, page faults), then in batches of about min_seconds / 8 for
// min_seconds; returns the best batch's seconds per call.
template <class Fn>
double seconds_per_call(Fn&& fn, double min_seconds) {
  using Clock = std::chrono::steady_clock;
  fn();
  double best = 1e30;
  const auto start = Clock::now();
  while (std::chrono::duration<double>(Clock::now() - start).count() < min_seconds) {
    int calls = 0;
    const auto batch_start = Clock::now();
    double elapsed = 0.0;
    do {
      fn();
      ++calls;
      elapsed = std::chrono::duration<double>(Clock::now() - batch_start).count();
    } while (elapsed < min_seconds / 8);
    best = std::min(best, elapsed / calls);
  }
  return best;
}

}  // namespace edgeserve::bench
