// AVX-512 F32-activation kernels (f32_activation_linear.h): one 32-element block = two __m512 of weights,
// decoded in registers to the reference dequantizer's exact floats (same operations: d * q + m, no FMA;
// the CMakeLists compiles this file with -ffp-contract=off), then FMA'd with up to 8 tokens' activations.
// K-quant super-blocks are decoded by the scalar reference dequantizer into a stack buffer (exact too).
// Only this file's own functions are compiled for AVX-512 (pragma below); the dispatcher calls them only
// at IsaLevel::kAvx512 or above.
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
#pragma GCC target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")
#include "engine/backend/cpu/avx512_reduce.h"
#include "engine/backend/cpu/f32_activation_driver.h"

namespace edgeserve::cpu {
namespace {

using namespace quant;

struct Avx512 {
  using V = __m512;
  static constexpr int kLanes = 16;
  static constexpr int kTokens = 8;  // x kRows: 16 accumulators + 4 weight vectors of the 32 registers
  static constexpr int kRows = 2;
  static constexpr int kChains = 8;  // single-token decode: 8 rows x (2 weight vectors + 1 accumulator)
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static float reduce(V v) { return reduce_add(v); }
};

inline __m512 half(uint16_t h) { return _mm512_set1_ps(_cvtsh_ss(h)); }
inline __m512 to_float(__m128i bytes_u8) { return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(bytes_u8)); }
// Low nibbles of the 16 bytes (elements 0..15 of the block), high nibbles (elements 16..31).
inline __m128i low_nibbles(__m128i q) { return _mm_and_si128(q, _mm_set1_epi8(0x0f)); }
inline __m128i high_nibbles(__m128i q) { return _mm_and_si128(_mm_srli_epi16(q, 4), _mm_set1_epi8(0x0f)); }
inline __m128i load16(const uint8_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }
// 5-bit values: nibble + 16 where the element's bit of qh is set; `bits` holds the 16 elements' bits.
inline __m512i with_high_bit(__m128i nibbles, uint32_t bits) {
  const __m512i v = _mm512_cvtepu8_epi32(nibbles);
  return _mm512_mask_add_epi32(v, static_cast<__mmask16>(bits), v, _mm512_set1_epi32(16));
}

struct Q4_0 {
  static constexpr int kElems = kQK, kBytes = sizeof(BlockQ4_0);
  static void decode(const uint8_t* p, __m512* w) {  // d * (q - 8)
    const auto* b = reinterpret_cast<const BlockQ4_0*>(p);
    const __m512 d = half(b->d);
    const __m128i q = load16(b->qs), eight = _mm_set1_epi8(8);
    w[0] = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_sub_epi8(low_nibbles(q), eight))));
    w[1] = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_sub_epi8(high_nibbles(q), eight))));
  }
};

struct Q4_1 {
  static constexpr int kElems = kQK, kBytes = sizeof(BlockQ4_1);
  static void decode(const uint8_t* p, __m512* w) {  // d * q + m
    const auto* b = reinterpret_cast<const BlockQ4_1*>(p);
    const __m512 d = half(b->d), m = half(b->m);
    const __m128i q = load16(b->qs);
    w[0] = _mm512_add_ps(_mm512_mul_ps(d, to_float(low_nibbles(q))), m);
    w[1] = _mm512_add_ps(_mm512_mul_ps(d, to_float(high_nibbles(q))), m);
  }
};

inline uint32_t load_qh(const uint8_t* qh) {
  uint32_t v;
  __builtin_memcpy(&v, qh, 4);
  return v;
}

struct Q5_0 {
  static constexpr int kElems = kQK, kBytes = sizeof(BlockQ5_0);
  static void decode(const uint8_t* p, __m512* w) {  // d * (q - 16)
    const auto* b = reinterpret_cast<const BlockQ5_0*>(p);
    const __m512 d = half(b->d);
    const uint32_t qh = load_qh(b->qh);
    const __m128i q = load16(b->qs);
    const __m512i sixteen = _mm512_set1_epi32(16);
    w[0] = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_sub_epi32(with_high_bit(low_nibbles(q), qh), sixteen)));
    w[1] = _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_sub_epi32(with_high_bit(high_nibbles(q), qh >> 16), sixteen)));
  }
};

struct Q5_1 {
  static constexpr int kElems = kQK, kBytes = sizeof(BlockQ5_1);
  static void decode(const uint8_t* p, __m512* w) {  // d * q + m
    const auto* b = reinterpret_cast<const BlockQ5_1*>(p);
    const __m512 d = half(b->d), m = half(b->m);
    const uint32_t qh = load_qh(b->qh);
    const __m128i q = load16(b->qs);
    w[0] = _mm512_add_ps(_mm512_mul_ps(d, _mm512_cvtepi32_ps(with_high_bit(low_nibbles(q), qh))), m);
    w[1] = _mm512_add_ps(_mm512_mul_ps(d, _mm512_cvtepi32_ps(with_high_bit(high_nibbles(q), qh >> 16))), m);
  }
};

struct Q8_0 {
  static constexpr int kElems = kQK, kBytes = sizeof(BlockQ8_0);
  static void decode(const uint8_t* p, __m512* w) {  // q * d
    const auto* b = reinterpret_cast<const BlockQ8_0*>(p);
    const __m512 d = half(b->d);
    const auto* qs = reinterpret_cast<const uint8_t*>(b->qs);
    w[0] = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(load16(qs))), d);
    w[1] = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(load16(qs + 16))), d);
  }
};

}  // namespace

const LinearKernel* avx512_f32_activation_kernel(DType dtype) {
  return f32act::kernel_for<Avx512, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0>(dtype);
}

}  // namespace edgeserve::cpu
#pragma GCC pop_options

#else  // not x86-64: no kernels at this level (the dispatcher falls back to the reference)

namespace edgeserve::cpu {
const LinearKernel* avx512_f32_activation_kernel(DType) { return nullptr; }
}  // namespace edgeserve::cpu

#endif
