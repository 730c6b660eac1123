// Poisson arrivals by inverse-CDF sampling of exponential gaps: gap = -ln(1 - u) / rate.
#include "server/bench/arrivals.h"

#include <cassert>
#include <cmath>

namespace edgeserve::bench {

double uniform_unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

PoissonArrivals::PoissonArrivals(double requests_per_s, uint64_t seed)
    : requests_per_s_(requests_per_s), rng_(seed) {
  assert(requests_per_s > 0.0 && std::isfinite(requests_per_s));
}

double PoissonArrivals::next_arrival_s() {
  // 1 - u lies in (0, 1], so the log is finite and the gap is >= 0.
  now_s_ += -std::log1p(-uniform_unit(rng_)) / requests_per_s_;
  return now_s_;
}

}  // namespace edgeserve::bench
