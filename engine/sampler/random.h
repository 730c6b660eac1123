#pragma once
// SamplingRng: the per-sequence random number generator (xoshiro256** seeded through splitmix64), written out
// here so that a seed gives the same draws on every platform and standard library (std:: distributions do
// not). Each sequence owns one; nothing here is shared between sequences, so one request's draws never
// depend on which other requests run. draw_random_seed() is the one global source, for unseeded requests.
#include <cstdint>

namespace edgeserve::sampler {

// splitmix64 step: advances `state` and returns a well-mixed 64-bit value.
inline uint64_t splitmix64(uint64_t& state) {
  state += 0x9E3779B97F4A7C15ull;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

class SamplingRng {
 public:
  explicit SamplingRng(uint64_t seed) {
    uint64_t sm = seed;
    for (uint64_t& word : state_) word = splitmix64(sm);  // never all zero: splitmix64 is a bijection
  }

  // xoshiro256**: next 64 random bits.
  uint64_t next_u64() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) from the top 53 bits: exactly representable, identical everywhere.
  double next_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t state_[4];
};

// A fresh seed for a request that gave none: std::random_device once per process, then a thread-safe
// splitmix64 stream over an atomic counter.
uint64_t draw_random_seed();

}  // namespace edgeserve::sampler
