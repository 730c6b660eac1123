#pragma once
// Request arrival times for `bench serve --request-rate R`: a Poisson process (exponential gaps with mean
// 1/R seconds), as vLLM's bench serve does with burstiness 1. Seeded and built only on std::mt19937_64,
// whose output the standard fixes, so a seed gives the same schedule with every standard library.
// It owns the generator state; it must not sleep or know about threads (the runner does).
#include <cstdint>
#include <random>

namespace edgeserve::bench {

class PoissonArrivals {
 public:
  // Precondition: requests_per_s > 0 and finite.
  PoissonArrivals(double requests_per_s, uint64_t seed);

  // Offset in seconds of the next arrival from the start of the run; strictly non-decreasing.
  double next_arrival_s();

 private:
  double requests_per_s_;
  std::mt19937_64 rng_;
  double now_s_ = 0.0;
};

// Uniform double in [0, 1) from the top 53 bits of one mt19937_64 draw (portable, unlike
// std::uniform_real_distribution whose algorithm is implementation-defined).
double uniform_unit(std::mt19937_64& rng);

}  // namespace edgeserve::bench
