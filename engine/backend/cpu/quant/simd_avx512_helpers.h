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

}  // namespace
}  // namespace edgeserve::quant::detail
