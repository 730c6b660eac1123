// The global seed source for unseeded requests (see random.h).
#include "engine/sampler/random.h"

#include <atomic>
#include <random>

namespace edgeserve::sampler {

uint64_t draw_random_seed() {
  static std::atomic<uint64_t> counter = [] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ static_cast<uint64_t>(device());
  }();
  uint64_t state = counter.fetch_add(0x9E3779B97F4A7C15ull, std::memory_order_relaxed);
  return splitmix64(state);
}

}  // namespace edgeserve::sampler
