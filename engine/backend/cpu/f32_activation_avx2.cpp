// AVX2 F32-activation kernels (f32_activation_linear.h): one 32-element block = four __m256 of weights,
// decoded in registers to the reference dequantizer's exact floats (same operations: d * q + m, no FMA;
// the CMakeLists compiles this file with -ffp-contract=off), then FMA'd with up to 4 tokens' activations.
// K-quant super-blocks are decoded by the scalar reference dequantizer into a stack buffer (exact too).
// Only this file's own functions are compiled for AVX2 (pragma below); the dispatcher calls them only at
// IsaLevel::kAvx2 or above.
#include "engine/backend/cpu/f32_activation_linear.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <utility>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/dequantize.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#include "engine/backend/cpu/f32_activation_driver.h"

namespace edgeserve::cpu {
namespace {

using namespace quant;

struct Avx2 {
  using V = __m256;
  static constexpr int kLanes = 8;
  static constexpr int kTokens = 4;  // x kRows: 8 accumulators + 8 weight vectors (a few from L1)
  static constexpr int kRows = 2;
  static constexpr int kChains = 4;  // single-token decode: 4 rows
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static float reduce(V v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

inline __m256 half(uint16_t h) { return _mm256_set1_ps(_cvtsh_ss(h)); }
inline __m128i load16(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
// Elements 0..15 of the block are the low nibbles of its 16 bytes, 16..31 the high nibbles.
inline __m128i low_nibbles(__m128i q) { return _mm_and_si128(q, _mm_set1_epi8(0x0f)); }
inline __m128i high_nibbles(__m128i q) { return _mm_and_si128(_mm_srli_epi16(q, 4), _mm_set1_epi8(0x0f)); }
// The 32 unsigned bytes of (lo, hi) as four vectors of 8 int32: elements 0-7, 8-15 of lo, then of hi.
inline void widen_u8(__m128i lo, __m128i hi, __m256i* v) {
  v[0] = _mm256_cvtepu8_epi32(lo);
  v[1] = _mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8));
  v[2] = _mm256_cvtepu8_epi32(hi);
  v[3] = _mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8));
}
// Adds 16 to element e of the block where bit e of qh is set (Q5 formats).
inline void add_high_bits(uint32_t qh, __m256i* v) {
  const __m256i bits = _mm256_set1_epi32(static_cast<int>(qh));
  const __m256i one = _mm256_set1_epi32(1);
  for (int i = 0; i < 4; ++i) {
    const __m256i shifts = _mm256_add_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(8 * i));
    const __m256i bit = _mm256_and_si256(_mm256_srlv_epi32(bits, shifts), one);
    v[i] = _mm256_add_epi32(v[i], _mm256_slli_epi32(bit, 4));
  }
}
inline uint32_t load_qh(const uint8_t* qh) {
  uint32_t v;
  __builtin_memcpy(&v, qh, 4);
  return v;
}

struct Q4_0 {
  static constexpr int kElems = kQK, kBytes = sizeof(BlockQ4_0);
  static void decode(const uint8_t* p, __m256* w) {  // d * (q - 8)
    const auto* b = reinterpret_cast<const BlockQ4_0*>(p);
    const __m256 d = half(b->d);
    const __m128i q = load16(b->qs);
    __m256i v[4];
    widen_u8(low_nibbles(q), high_nibbles(q), v);
    for (int i = 0; i < 4; ++i) w[i] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_sub_epi32(v[i], _mm256_set1_epi32(8))));
  }
};

struct Q4_1 {
  static constexpr int kElems = kQK, kBytes = sizeof(BlockQ4_1);
  static void decode(const uint8_t* p, __m256* w) {  // d * q + m
    const auto* b = reinterpret_cast<const BlockQ4_1*>(p);
    const __m256 d = half(b->d), m = half(b->m);
    const __m128i q = load16(b->qs);
    __m256i v[4];
    widen_u8(low_nibbles(q), high_nibbles(q), v);
    for (int i = 0; i < 4; ++i) w[i] = _mm256_add_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(v[i])), m);
  }
};

struct Q5_0 {
  static constexpr int kElems = kQK, kBytes = sizeof(BlockQ5_0);
  static void decode(const uint8_t* p, __m256* w) {  // d * (q - 16)
    const auto* b = reinterpret_cast<const BlockQ5_0*>(p);
    const __m256 d = half(b->d);
    const __m128i q = load16(b->qs);
    __m256i v[4];
    widen_u8(low_nibbles(q), high_nibbles(q), v);
    add_high_bits(load_qh(b->qh), v);
    for (int i = 0; i < 4; ++i) w[i] = _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_sub_epi32(v[i], _mm256_set1_epi32(16))));
  }
};

struct Q5_1 {
  static constexpr int kElems = kQK, kBytes = sizeof(BlockQ5_1);
  static void decode(const uint8_t* p, __m256* w) {  // d * q + m
    const auto* b = reinterpret_cast<const BlockQ5_1*>(p);
    const __m256 d = half(b->d), m = half(b->m);
    const __m128i q = load16(b->qs);
    __m256i v[4];
    widen_u8(low_nibbles(q), high_nibbles(q), v);
    add_high_bits(load_qh(b->qh), v);
    for (int i = 0; i < 4; ++i) w[i] = _mm256_add_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(v[i])), m);
  }
};

struct Q8_0 {
  static constexpr int kElems = kQK, kBytes = sizeof(BlockQ8_0);
  static void decode(const uint8_t* p, __m256* w) {  // q * d
    const auto* b = reinterpret_cast<const BlockQ8_0*>(p);
    const __m256 d = half(b->d);
    const auto* qs = reinterpret_cast<const uint8_t*>(b->qs);
    for (int i = 0; i < 4; ++i) {
      const __m128i q = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(qs + 8 * i));
      w[i] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d);
    }
  }
};

}  // namespace

const LinearKernel* avx2_f32_activation_kernel(DType dtype) {
  return f32act::kernel_for<Avx2, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0>(dtype);
}

}  // namespace edgeserve::cpu
#pragma GCC pop_options

#else  // not x86-64: no kernels at this level (the dispatcher falls back to the reference)

namespace edgeserve::cpu {
const LinearKernel* avx2_f32_activation_kernel(DType) { return nullptr; }
}  // namespace edgeserve::cpu

#endif
