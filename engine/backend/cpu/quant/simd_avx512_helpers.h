#pragma once
// AVX-512 helpers shared by the single- and multi-token AVX-512 dot products. Include only AFTER the
// `#pragma GCC target("avx512f,avx512bw,...")` line: internal linkage, one copy per including file.
#include <immintrin.h>

#include <cstdint>

namespace edgeserve::quant::detail {
namespace {

// Two 32-byte runs (two blocks' quants) in one register; `second` may be null for an odd last block.
[[maybe_unused]] __m512i load_pair(const int8_t* first, const int8_t* second) {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(first));
  const __m256i hi = second ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(second)) : _mm256_setzero_si256();
  return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

// Two blocks of 16 packed nibbles -> [lo0 hi0 lo1 hi1] (16 bytes each), the element order of Q8_0.
[[maybe_unused]] __m512i unpack_nibble_pair(const uint8_t* first, const uint8_t* second) {
  const __m128i raw0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(first));
  const __m128i raw1 = second ? _mm_loadu_si128(reinterpret_cast<const __m128i*>(second)) : _mm_setzero_si128();
  const __m512i raw = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(raw0, raw0)),
                                         _mm256_set_m128i(raw1, raw1), 1);
  const __m512i mask = _mm512_set1_epi8(0x0f);
  const __m512i low = _mm512_and_si512(raw, mask);
  const __m512i high = _mm512_and_si512(_mm512_srli_epi16(raw, 4), mask);
  return _mm512_mask_blend_epi64(0xcc, low, high);  // 128-bit lanes 1 and 3 take the high nibbles
}

// The sum of the 16 lanes in a fixed order: upper 256 + lower 256 bits, upper 128 + lower 128, lanes
// [2, 3] + [0, 1], then lane 0 + lane 1 (GCC's _mm512_reduce_add_ps, written out so that no compiler's
// reduction order can change a result). The tile kernels (dot_tile_avx512.cpp) repeat these additions
// lane-wise across tokens, so every quantized AVX-512 dot must reduce with this function.
[[maybe_unused]] float reduce_add_16(__m512 v) {
  const __m256 t3 = _mm256_add_ps(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)),
                                  _mm512_castps512_ps256(v));
  const __m128 t6 = _mm_add_ps(_mm256_extractf128_ps(t3, 1), _mm256_castps256_ps128(t3));
  const __m128 t8 = _mm_add_ps(t6, _mm_movehl_ps(t6, t6));
  return _mm_cvtss_f32(_mm_add_ss(t8, _mm_shuffle_ps(t8, t8, 1)));
}

}  // namespace
}  // namespace edgeserve::quant::detail
