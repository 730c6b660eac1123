// AVX2 dot kernels of the K-quants (Q4_K, Q5_K, Q6_K) with Q8_K activations. Same rules as dot_avx2.cpp:
// only this file's functions are compiled for AVX2 (pragma below) and reached through the dispatch table.
// Per super-block the integer sum is exact and equal to the scalar kernel's (sub-block scales applied with
// madd in int16 x int16 -> int32; the min/offset terms come from the activation's bsums); float rounding
// differs only in the order of the per-super-block additions.
#include <immintrin.h>

#include <cassert>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/dot_impl.h"
#include "engine/backend/cpu/quant/fp16.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#include "engine/backend/cpu/quant/simd_avx2_helpers.h"

namespace edgeserve::quant::detail {
namespace {

// sum over 32 elements of q * a, times `scale`, in 8 int32 lanes (q unsigned <= 63, a in [-127, 127]).
__m256i scaled_dot(__m256i q, __m256i a, int scale) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(q, a), _mm256_set1_epi16(static_cast<int16_t>(scale)));
}

// Q4_K and Q5_K: 32-byte runs of qs hold sub-block 2j in the low nibbles and 2j+1 in the high ones.
template <bool kFiveBits, typename Block>
float dot_k4_or_k5(int64_t n, const Block* w, const BlockQ8_K* a) {
  const __m256i low_mask = _mm256_set1_epi8(0x0f);
  const __m256i one = _mm256_set1_epi8(1);
  __m256 acc = _mm256_setzero_ps();
  float min_sum = 0.0f;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    uint8_t sc[8], m[8];
    for (int sub = 0; sub < 8; ++sub) get_scale_min_k4(sub, w[b].scales, &sc[sub], &m[sub]);
    __m256i sumi = _mm256_setzero_si256();
    __m256i high_bits;
    if constexpr (kFiveBits) high_bits = load32(w[b].qh);
    for (int j = 0; j < 4; ++j) {
      const __m256i packed = load32(w[b].qs + 32 * j);
      __m256i q_lo = _mm256_and_si256(packed, low_mask);
      __m256i q_hi = _mm256_and_si256(_mm256_srli_epi16(packed, 4), low_mask);
      if constexpr (kFiveBits) {
        // bit `sub` of qh[l] is bit 4 of element l of sub-block `sub`
        q_lo = _mm256_or_si256(q_lo, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high_bits, 2 * j), one), 4));
        q_hi = _mm256_or_si256(q_hi,
                               _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high_bits, 2 * j + 1), one), 4));
      }
      sumi = _mm256_add_epi32(sumi, scaled_dot(q_lo, load32(a[b].qs + 64 * j), sc[2 * j]));
      sumi = _mm256_add_epi32(sumi, scaled_dot(q_hi, load32(a[b].qs + 64 * j + 32), sc[2 * j + 1]));
    }
    int summ = 0;
    for (int sub = 0; sub < 8; ++sub) summ += m[sub] * (a[b].bsums[2 * sub] + a[b].bsums[2 * sub + 1]);
    acc = _mm256_fmadd_ps(_mm256_set1_ps(a[b].d * fp16_to_fp32(w[b].d)), _mm256_cvtepi32_ps(sumi), acc);
    min_sum += a[b].d * fp16_to_fp32(w[b].dmin) * static_cast<float>(summ);
  }
  return hsum(acc) - min_sum;
}

}  // namespace

void vec_dot_q4_k_q8_avx2(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK_K == 0);
  *out = dot_k4_or_k5<false>(n, static_cast<const BlockQ4_K*>(w_row), static_cast<const BlockQ8_K*>(act));
}

void vec_dot_q5_k_q8_avx2(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK_K == 0);
  *out = dot_k4_or_k5<true>(n, static_cast<const BlockQ5_K*>(w_row), static_cast<const BlockQ8_K*>(act));
}

// Q6_K: per 128-element half, quarter k takes ql[l + 32*(k%2)] >> 4*(k/2) and qh[l] >> 2*k (see
// dot_scalar.cpp). The -32 offset is applied once per super-block as 32 * sum(scale_g * bsum_g).
void vec_dot_q6_k_q8_avx2(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK_K == 0);
  const auto* w = static_cast<const BlockQ6_K*>(w_row);
  const auto* a = static_cast<const BlockQ8_K*>(act);
  const __m256i low_mask = _mm256_set1_epi8(0x0f);
  const __m256i two_bits = _mm256_set1_epi8(0x03);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    __m256i sumi = _mm256_setzero_si256();
    for (int half = 0; half < 2; ++half) {
      const __m256i ql0 = load32(w[b].ql + 64 * half);
      const __m256i ql1 = load32(w[b].ql + 64 * half + 32);
      const __m256i qh = load32(w[b].qh + 32 * half);
      for (int quarter = 0; quarter < 4; ++quarter) {
        const __m256i ql = quarter % 2 == 0 ? ql0 : ql1;
        const __m256i low = quarter < 2 ? _mm256_and_si256(ql, low_mask)
                                        : _mm256_and_si256(_mm256_srli_epi16(ql, 4), low_mask);
        const __m256i high = _mm256_and_si256(_mm256_srli_epi16(qh, 2 * quarter), two_bits);
        const __m256i q = _mm256_or_si256(low, _mm256_slli_epi16(high, 4));
        // the 32 elements span two scale groups of 16: low 128-bit lane group g, high lane g + 1
        const int g = 8 * half + 2 * quarter;
        const __m256i scales = _mm256_set_m128i(_mm_set1_epi16(w[b].scales[g + 1]), _mm_set1_epi16(w[b].scales[g]));
        const __m256i products = _mm256_maddubs_epi16(q, load32(a[b].qs + 128 * half + 32 * quarter));
        sumi = _mm256_add_epi32(sumi, _mm256_madd_epi16(products, scales));
      }
    }
    int offset = 0;
    for (int g = 0; g < kQK_K / 16; ++g) offset += w[b].scales[g] * a[b].bsums[g];
    // subtract 32 * offset from lane 0 only: the lanes are summed at the end
    sumi = _mm256_sub_epi32(sumi, _mm256_setr_epi32(32 * offset, 0, 0, 0, 0, 0, 0, 0));
    acc = _mm256_fmadd_ps(_mm256_set1_ps(a[b].d * fp16_to_fp32(w[b].d)), _mm256_cvtepi32_ps(sumi), acc);
  }
  *out = hsum(acc);
}

}  // namespace edgeserve::quant::detail

#pragma GCC pop_options
