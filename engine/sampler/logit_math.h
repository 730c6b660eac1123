#pragma once
// Vocabulary-wide loops over a logits row: max, first index of a value, exp-weights and their sum, counts.
// Written with explicit accumulator lanes so that the summation order (and so every result) is fixed by this
// code, not by the compiler or the CPU, while the compiler can still vectorize the lanes. fast_exp is ours
// for the same reason: std::exp differs between C libraries, and sampling must not.
// x86-64 CPUs with AVX-512F run 16-wide versions of the loops (same results; EDGESERVE_NO_AVX512=1 in the
// environment turns them off, for tests and comparisons). Must not allocate; callers own every buffer.
#include <bit>
#include <cstdint>

namespace edgeserve::sampler {

// exp(x), relative error ~2e-7, for x <= 88. Returns 0 for x < -87 (below float's normal range) and for NaN,
// so masked (-inf) tokens get exactly zero weight. Cody-Waite reduction, Cephes' degree-6 polynomial.
inline float fast_exp(float x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f;
  constexpr float kLn2Lo = -2.12194440e-4f;
  constexpr float kRoundMagic = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  float xc = x >= -88.0f ? x : -88.0f;        // NaN -> -88 too: the float->int cast below stays defined
  xc = xc <= 88.0f ? xc : 88.0f;
  const float n = (xc * kLog2e + kRoundMagic) - kRoundMagic;
  float r = xc - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const float scale = std::bit_cast<float>((static_cast<int32_t>(n) + 127) << 23);
  return x >= -87.0f ? p * scale : 0.0f;
}

// Largest value; -inf when n == 0 or every value is -inf or NaN (NaN never wins).
float max_value(const float* values, int64_t n);

// Lowest index i with values[i] == target, or -1.
int64_t first_index_of(const float* values, int64_t n, float target);

// sum_i fast_exp((values[i] - shift) * scale), and the terms into `weights` when it is not null ([n]).
double exp_weights(const float* values, int64_t n, float shift, float scale, float* weights);

// Number of values strictly greater than `threshold`.
int64_t count_greater(const float* values, int64_t n, float threshold);

}  // namespace edgeserve::sampler
