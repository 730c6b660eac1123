// AVX2 (+FMA, F16C) multi-token dot kernels: one weight row against kMultiTokens activation rows. Each
// weight block is loaded and unpacked (and its sign split off) once, then multiplied with every token's
// block; per token the float work is the one of the single-token kernels in dot_avx2.cpp (one 8-lane
// accumulator, same fma order, same horizontal sum), so each result equals that kernel's bit for bit.
// Only this file's functions are compiled for AVX2 (pragma below).
#include <immintrin.h>

#include <cassert>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/dot_multi_impl.h"
#include "engine/backend/cpu/quant/kernels.h"

// After the includes: inline functions from headers must stay baseline-ISA (see dot_avx2.cpp).
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#include "engine/backend/cpu/quant/simd_avx2_helpers.h"

namespace edgeserve::quant::detail {
namespace {

constexpr int kT = kMultiTokens;

__m256i unpack_nibbles(const uint8_t* qs) {
  const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i mask = _mm_set1_epi8(0x0f);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), mask), _mm_and_si128(raw, mask));
}

struct ActRows {
  const BlockQ8_0* row[kT];
  ActRows(const void* a0, size_t stride) {
    for (int k = 0; k < kT; ++k)
      row[k] = reinterpret_cast<const BlockQ8_0*>(static_cast<const uint8_t*>(a0) + k * stride);
  }
};

// Signed weights against every token, as dot_i8 in dot_avx2.cpp: |w| once, w's sign moved onto a.
template <typename WScale>
void over_blocks_signed(int64_t n, const ActRows& a, float* out, size_t out_stride, WScale load_w) {
  const __m256i ones16 = _mm256_set1_epi16(1);
  __m256 acc[kT];
  for (int k = 0; k < kT; ++k) acc[k] = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQK; ++b) {
    float dw;
    const __m256i w = load_w(b, &dw);
    const __m256i abs_w = _mm256_sign_epi8(w, w);
#pragma GCC unroll 4
    for (int k = 0; k < kT; ++k) {
      const BlockQ8_0& ak = a.row[k][b];
      const __m256i products = _mm256_maddubs_epi16(abs_w, _mm256_sign_epi8(load32(ak.qs), w));
      const __m256i dot = _mm256_madd_epi16(products, ones16);
      acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(dw * half(ak.d)), _mm256_cvtepi32_ps(dot), acc[k]);
    }
  }
  for (int k = 0; k < kT; ++k) out[k * out_stride] = hsum(acc[k]);
}

}  // namespace

void vec_dot_x4_q8_0_q8_avx2(int64_t n, const void* w_row, const void* act0, size_t act_stride, float* out,
                             size_t out_stride) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ8_0*>(w_row);
  over_blocks_signed(n, ActRows(act0, act_stride), out, out_stride, [w](int64_t b, float* dw) {
    *dw = half(w[b].d);
    return load32(w[b].qs);
  });
}

void vec_dot_x4_q4_0_q8_avx2(int64_t n, const void* w_row, const void* act0, size_t act_stride, float* out,
                             size_t out_stride) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ4_0*>(w_row);
  const __m256i eight = _mm256_set1_epi8(8);
  over_blocks_signed(n, ActRows(act0, act_stride), out, out_stride, [w, eight](int64_t b, float* dw) {
    *dw = half(w[b].d);
    return _mm256_sub_epi8(unpack_nibbles(w[b].qs), eight);
  });
}

void vec_dot_x4_q4_1_q8_avx2(int64_t n, const void* w_row, const void* act0, size_t act_stride, float* out,
                             size_t out_stride) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ4_1*>(w_row);
  const ActRows a(act0, act_stride);
  const __m256i ones8 = _mm256_set1_epi8(1);
  const __m256i ones16 = _mm256_set1_epi16(1);
  __m256 acc[kT];
  for (int k = 0; k < kT; ++k) acc[k] = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQK; ++b) {
    const __m256i q = unpack_nibbles(w[b].qs);  // unsigned nibbles: maddubs takes them directly
    const float dw = half(w[b].d), mw = half(w[b].m);
#pragma GCC unroll 4
    for (int k = 0; k < kT; ++k) {
      const BlockQ8_0& ak = a.row[k][b];
      const __m256i qa = load32(ak.qs);
      const __m256i dot = _mm256_madd_epi16(_mm256_maddubs_epi16(q, qa), ones16);
      const __m256i sum_a = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, qa), ones16);
      const float da = half(ak.d);
      acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(dw * da), _mm256_cvtepi32_ps(dot), acc[k]);
      acc[k] = _mm256_fmadd_ps(_mm256_set1_ps(mw * da), _mm256_cvtepi32_ps(sum_a), acc[k]);
    }
  }
  for (int k = 0; k < kT; ++k) out[k * out_stride] = hsum(acc[k]);
}

}  // namespace edgeserve::quant::detail

#pragma GCC pop_options
