// Lane-wise loops of logit_math.h, written with GCC/Clang vector extensions over 16 float lanes: as four
// 4-float vectors in the portable version (one SSE2/NEON register each), as one 16-float vector in the
// AVX-512F version that x86-64 CPUs with it get at run time (__builtin_cpu_supports). Every lane does the
// same IEEE operations as the scalar fast_exp (no FMA: the library is built with -ffp-contract=off) and the
// 16 lanes are combined in the same fixed order, so both versions return identical results.
#include "engine/sampler/logit_math.h"

#include <cstdlib>
#include <cstring>
#include <limits>

namespace edgeserve::sampler {

namespace {

constexpr int64_t kLanes = 16;  // accumulator lanes, whatever the vector width
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

using F4 = float __attribute__((vector_size(16)));
using I4 = int32_t __attribute__((vector_size(16)));
#if defined(__x86_64__) && defined(__GNUC__)
#define ES_HAS_AVX512_PATH 1
using F16 = float __attribute__((vector_size(64)));
using I16 = int32_t __attribute__((vector_size(64)));
#endif

template <class VF>
[[gnu::always_inline]] inline VF load(const float* p) {
  VF v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
template <class VF>
[[gnu::always_inline]] inline void store(float* p, VF v) {
  std::memcpy(p, &v, sizeof(v));
}
template <class VF>
[[gnu::always_inline]] inline VF splat(float x) {
  return VF{} + x;
}
// Lanes of `a` where mask is all ones, else of `b`.
template <class VF, class VI>
[[gnu::always_inline]] inline VF select(VI mask, VF a, VF b) {
  return (VF)((mask & (VI)a) | (~mask & (VI)b));
}

// The vector twin of fast_exp (same operations, same order, lane by lane).
template <class VF, class VI>
[[gnu::always_inline]] inline VF exp_lanes(VF x) {
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f;
  constexpr float kLn2Lo = -2.12194440e-4f;
  constexpr float kRoundMagic = 12582912.0f;
  VF xc = select<VF, VI>(x >= splat<VF>(-88.0f), x, splat<VF>(-88.0f));
  xc = select<VF, VI>(xc <= splat<VF>(88.0f), xc, splat<VF>(88.0f));
  const VF n = (xc * kLog2e + kRoundMagic) - kRoundMagic;
  VF r = xc - n * kLn2Hi;
  r = r - n * kLn2Lo;
  VF p = splat<VF>(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const VI exponent = (__builtin_convertvector(n, VI) + 127) << 23;
  return select<VF, VI>(x >= splat<VF>(-87.0f), p * (VF)exponent, splat<VF>(0.0f));
}

// Each loop below: kVectors vectors of kLanes / kVectors floats side by side; lane j of the 16 is
// element j % width of vector j / width.
template <class VF, class VI, int kVectors>
[[gnu::always_inline]] inline float max_value_lanes(const float* values, int64_t n) {
  constexpr int64_t kWidth = kLanes / kVectors;
  VF lanes[kVectors];
  for (VF& lane : lanes) lane = splat<VF>(kNegInf);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kVectors; ++k) {
      const VF v = load<VF>(values + i + k * kWidth);
      lanes[k] = select<VF, VI>(v > lanes[k], v, lanes[k]);
    }
  float best = kNegInf;
  for (; i < n; ++i) best = values[i] > best ? values[i] : best;
  for (int k = 0; k < kVectors; ++k)
    for (int64_t j = 0; j < kWidth; ++j) best = lanes[k][j] > best ? lanes[k][j] : best;
  return best;
}

template <class VF, class VI, int kVectors>
[[gnu::always_inline]] inline int64_t first_index_of_lanes(const float* values, int64_t n, float target) {
  constexpr int64_t kWidth = kLanes / kVectors;
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    VI equal = VI{};
    for (int k = 0; k < kVectors; ++k) equal |= load<VF>(values + i + k * kWidth) == splat<VF>(target);
    int32_t any = 0;
    for (int64_t j = 0; j < kWidth; ++j) any |= equal[j];
    if (any != 0) break;
  }
  for (; i < n; ++i)
    if (values[i] == target) return i;
  return -1;
}

template <class VF, class VI, int kVectors>
[[gnu::always_inline]] inline double exp_weights_lanes(const float* values, int64_t n, float shift, float scale,
                                                       float* weights) {
  constexpr int64_t kWidth = kLanes / kVectors;
  constexpr int64_t kBlock = 64 * kLanes;  // float lanes hold 64 terms at most, then move into double
  double lane_sums[kLanes] = {};
  int64_t i = 0;
  while (i + kLanes <= n) {
    VF lanes[kVectors];
    for (VF& lane : lanes) lane = splat<VF>(0.0f);
    const int64_t block_end = i + kBlock < n ? i + kBlock : n;
    for (; i + kLanes <= block_end; i += kLanes)
      for (int k = 0; k < kVectors; ++k) {
        const VF w = exp_lanes<VF, VI>((load<VF>(values + i + k * kWidth) - shift) * scale);
        if (weights != nullptr) store<VF>(weights + i + k * kWidth, w);
        lanes[k] += w;
      }
    for (int64_t lane = 0; lane < kLanes; ++lane) lane_sums[lane] += lanes[lane / kWidth][lane % kWidth];
  }
  double sum = 0.0;
  for (double lane_sum : lane_sums) sum += lane_sum;
  for (; i < n; ++i) {
    const float w = fast_exp((values[i] - shift) * scale);
    if (weights != nullptr) weights[i] = w;
    sum += w;
  }
  return sum;
}

template <class VF, class VI, int kVectors>
[[gnu::always_inline]] inline int64_t count_greater_lanes(const float* values, int64_t n, float threshold) {
  constexpr int64_t kWidth = kLanes / kVectors;
  VI lanes[kVectors] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kVectors; ++k)
      lanes[k] -= load<VF>(values + i + k * kWidth) > splat<VF>(threshold);  // true is -1
  int64_t count = 0;
  for (; i < n; ++i) count += values[i] > threshold ? 1 : 0;
  for (int k = 0; k < kVectors; ++k)
    for (int64_t j = 0; j < kWidth; ++j) count += lanes[k][j];
  return count;
}

#ifdef ES_HAS_AVX512_PATH
#define ES_AVX512 __attribute__((target("avx512f")))
ES_AVX512 float max_value_avx512(const float* v, int64_t n) { return max_value_lanes<F16, I16, 1>(v, n); }
ES_AVX512 int64_t first_index_of_avx512(const float* v, int64_t n, float t) {
  return first_index_of_lanes<F16, I16, 1>(v, n, t);
}
ES_AVX512 double exp_weights_avx512(const float* v, int64_t n, float shift, float scale, float* w) {
  return exp_weights_lanes<F16, I16, 1>(v, n, shift, scale, w);
}
ES_AVX512 int64_t count_greater_avx512(const float* v, int64_t n, float t) {
  return count_greater_lanes<F16, I16, 1>(v, n, t);
}
// Decided once, on first use (a function-local static: safe from static-initialization order).
bool use_avx512() {
  static const bool use = __builtin_cpu_supports("avx512f") && std::getenv("EDGESERVE_NO_AVX512") == nullptr;
  return use;
}
#endif

}  // namespace

float max_value(const float* values, int64_t n) {
#ifdef ES_HAS_AVX512_PATH
  if (use_avx512()) return max_value_avx512(values, n);
#endif
  return max_value_lanes<F4, I4, 4>(values, n);
}

int64_t first_index_of(const float* values, int64_t n, float target) {
#ifdef ES_HAS_AVX512_PATH
  if (use_avx512()) return first_index_of_avx512(values, n, target);
#endif
  return first_index_of_lanes<F4, I4, 4>(values, n, target);
}

double exp_weights(const float* values, int64_t n, float shift, float scale, float* weights) {
#ifdef ES_HAS_AVX512_PATH
  if (use_avx512()) return exp_weights_avx512(values, n, shift, scale, weights);
#endif
  return exp_weights_lanes<F4, I4, 4>(values, n, shift, scale, weights);
}

int64_t count_greater(const float* values, int64_t n, float threshold) {
#ifdef ES_HAS_AVX512_PATH
  if (use_avx512()) return count_greater_avx512(values, n, threshold);
#endif
  return count_greater_lanes<F4, I4, 4>(values, n, threshold);
}

}  // namespace edgeserve::sampler
