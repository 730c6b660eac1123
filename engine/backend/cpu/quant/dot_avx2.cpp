// AVX2 (+FMA, F16C) dot kernels. Only this file's own functions are compiled for those extensions (the
// pragma below), so the rest of the program keeps the baseline ISA; kernels.cpp calls these only when
// cpu_supports(CpuIsa::Avx2).
// Integer block sums are exact (maddubs pairs stay within int16 because activations are in [-127, 127]);
// float accumulation runs in 8 lanes, so results differ from the scalar ones by rounding only.
#include <immintrin.h>

#include <cassert>
#include <cstring>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/dot_impl.h"
#include "engine/backend/cpu/quant/fp16.h"

// After the includes: inline functions from headers must stay baseline-ISA (the linker may keep this
// TU's copy for every caller); everything below is internal or only reached through the dispatch table.
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#include "engine/backend/cpu/quant/simd_avx2_helpers.h"

namespace edgeserve::quant::detail {
namespace {

// Signed x signed byte dot in 8 int32 lanes: maddubs needs one unsigned side, so move w's sign onto a.
__m256i dot_i8(__m256i w, __m256i a) {
  const __m256i products = _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
  return _mm256_madd_epi16(products, _mm256_set1_epi16(1));
}

// 16 packed nibbles -> 32 bytes: low nibbles first (elements 0..15), then high nibbles (16..31).
__m256i unpack_nibbles(const uint8_t* qs) {
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i mask = _mm_set1_epi8(0x0f);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), mask), _mm_and_si128(raw, mask));
}

// The 32 bits of a Q5 block's qh as 32 bytes, 0xff where bit j is set: byte j copies qh byte j/8 (each
// 128-bit lane of the broadcast holds all four), then keeps only its own bit j%8.
__m256i high_bit_mask(const uint8_t* qh) {
  int32_t bits;
  std::memcpy(&bits, qh, 4);
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(bits), _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                                2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3));
  const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
  return _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit);
}

}  // namespace

void vec_dot_q8_0_q8_avx2(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ8_0*>(w_row);
  const auto* a = static_cast<const BlockQ8_0*>(act);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQK; ++b) {
    const __m256i dot = dot_i8(load32(w[b].qs), load32(a[b].qs));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half(w[b].d) * half(a[b].d)), _mm256_cvtepi32_ps(dot), acc);
  }
  *out = hsum(acc);
}

void vec_dot_q4_0_q8_avx2(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ4_0*>(w_row);
  const auto* a = static_cast<const BlockQ8_0*>(act);
  const __m256i eight = _mm256_set1_epi8(8);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQK; ++b) {
    const __m256i q = _mm256_sub_epi8(unpack_nibbles(w[b].qs), eight);
    const __m256i dot = dot_i8(q, load32(a[b].qs));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half(w[b].d) * half(a[b].d)), _mm256_cvtepi32_ps(dot), acc);
  }
  *out = hsum(acc);
}

void vec_dot_q4_1_q8_avx2(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ4_1*>(w_row);
  const auto* a = static_cast<const BlockQ8_0*>(act);
  const __m256i ones8 = _mm256_set1_epi8(1);
  const __m256i ones16 = _mm256_set1_epi16(1);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQK; ++b) {
    const __m256i qa = load32(a[b].qs);
    // weights are unsigned nibbles, so maddubs takes them directly
    const __m256i dot = _mm256_madd_epi16(_mm256_maddubs_epi16(unpack_nibbles(w[b].qs), qa), ones16);
    const __m256i sum_a = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, qa), ones16);
    const float da = half(a[b].d);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half(w[b].d) * da), _mm256_cvtepi32_ps(dot), acc);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half(w[b].m) * da), _mm256_cvtepi32_ps(sum_a), acc);
  }
  *out = hsum(acc);
}

// Q5_0: q - 16 = nibble - 16 when the high bit is clear, else nibble: OR 0xf0 into the clear ones (int8).
void vec_dot_q5_0_q8_avx2(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ5_0*>(w_row);
  const auto* a = static_cast<const BlockQ8_0*>(act);
  const __m256i high_nibble = _mm256_set1_epi8(static_cast<char>(0xf0));
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQK; ++b) {
    const __m256i q = _mm256_or_si256(unpack_nibbles(w[b].qs),
                                      _mm256_andnot_si256(high_bit_mask(w[b].qh), high_nibble));
    const __m256i dot = dot_i8(q, load32(a[b].qs));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half(w[b].d) * half(a[b].d)), _mm256_cvtepi32_ps(dot), acc);
  }
  *out = hsum(acc);
}

void vec_dot_q5_1_q8_avx2(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ5_1*>(w_row);
  const auto* a = static_cast<const BlockQ8_0*>(act);
  const __m256i ones8 = _mm256_set1_epi8(1);
  const __m256i ones16 = _mm256_set1_epi16(1);
  const __m256i bit4 = _mm256_set1_epi8(0x10);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQK; ++b) {
    const __m256i qa = load32(a[b].qs);
    const __m256i q = _mm256_or_si256(unpack_nibbles(w[b].qs), _mm256_and_si256(high_bit_mask(w[b].qh), bit4));
    const __m256i dot = _mm256_madd_epi16(_mm256_maddubs_epi16(q, qa), ones16);
    const __m256i sum_a = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, qa), ones16);
    const float da = half(a[b].d);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half(w[b].d) * da), _mm256_cvtepi32_ps(dot), acc);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(half(w[b].m) * da), _mm256_cvtepi32_ps(sum_a), acc);
  }
  *out = hsum(acc);
}

// Plain-float rows: four independent accumulators hide the FMA latency; callers add the n % 8 tail.
template <typename LoadW>
float dot_float_rows(int64_t n, const float* a, LoadW load_w) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(load_w(i), _mm256_loadu_ps(a + i), acc0);
    acc1 = _mm256_fmadd_ps(load_w(i + 8), _mm256_loadu_ps(a + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(load_w(i + 16), _mm256_loadu_ps(a + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(load_w(i + 24), _mm256_loadu_ps(a + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(load_w(i), _mm256_loadu_ps(a + i), acc0);
  return hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
}

void vec_dot_f32_avx2(int64_t n, const void* w_row, const void* act, float* out) {
  const auto* w = static_cast<const float*>(w_row);
  const auto* a = static_cast<const float*>(act);
  float sum = dot_float_rows(n, a, [w](int64_t i) { return _mm256_loadu_ps(w + i); });
  for (int64_t i = n - n % 8; i < n; ++i) sum += w[i] * a[i];
  *out = sum;
}

void vec_dot_f16_avx2(int64_t n, const void* w_row, const void* act, float* out) {
  const auto* w = static_cast<const uint16_t*>(w_row);
  const auto* a = static_cast<const float*>(act);
  const auto load = [w](int64_t i) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i)));
  };
  float sum = dot_float_rows(n, a, load);
  for (int64_t i = n - n % 8; i < n; ++i) sum += fp16_to_fp32(w[i]) * a[i];
  *out = sum;
}

void vec_dot_bf16_avx2(int64_t n, const void* w_row, const void* act, float* out) {
  const auto* w = static_cast<const uint16_t*>(w_row);
  const auto* a = static_cast<const float*>(act);
  // bf16 -> f32 is a 16-bit left shift of the widened value
  const auto load = [w](int64_t i) {
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + i)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  };
  float sum = dot_float_rows(n, a, load);
  for (int64_t i = n - n % 8; i < n; ++i) sum += bf16_to_fp32(w[i]) * a[i];
  *out = sum;
}

}  // namespace edgeserve::quant::detail

#pragma GCC pop_options
