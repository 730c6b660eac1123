#pragma once
// Q8_0 and Q4_0 weights as the unsigned side of vpdpbusd, for the block-sum kernels (dot_rows_avx512.cpp,
// dot_tile_avx512.cpp). Include only AFTER the `#pragma GCC target("avx512f,...,avx512vnni")` line:
// internal linkage, one copy per including file.
//
// The block-sum arithmetic those kernels share (kernels.h): for weight row w and activation token a,
//   isum_b = sum(u_b * a_b) - offset * sum(a_b)  (u: the unsigned weight quants; exact in int32)
//   acc    = fma(float(dw_b) * float(da_b), float(isum_b), acc)  for b = 0 .. nb-1 in order, from acc = 0.
// Q8_0: u = q + 128 (q ^ 0x80), offset 128. Q4_0: u = the nibble q, offset 8 (x = d * (q - 8)).
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "engine/backend/cpu/quant/blocks.h"

namespace edgeserve::quant::detail {
namespace {

struct Q8_0Weights {
  using Block = BlockQ8_0;
  static constexpr int kOffsetShift = 7;  // offset 128
  // The block's 32 unsigned quants in element order.
  static __m256i quants(const Block& blk) {
    return _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk.qs)), _mm256_set1_epi8(-128));
  }
  // Lane j (elements 4j..4j+3) of the unsigned quants, in every int32 lane.
  static __m512i lane(const Block& blk, int j) {
    int32_t bytes;
    std::memcpy(&bytes, blk.qs + 4 * j, sizeof bytes);
    return _mm512_xor_si512(_mm512_set1_epi32(bytes), _mm512_set1_epi8(-128));
  }
};

struct Q4_0Weights {
  using Block = BlockQ4_0;
  static constexpr int kOffsetShift = 3;  // offset 8
  static __m256i quants(const Block& blk) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk.qs));
    const __m128i low4 = _mm_set1_epi8(0x0f);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), low4), _mm_and_si128(raw, low4));
  }
  // Elements 0..15 are the low nibbles of bytes 0..15, elements 16..31 their high nibbles.
  static __m512i lane(const Block& blk, int j) {
    int32_t bytes;
    std::memcpy(&bytes, blk.qs + 4 * (j & 3), sizeof bytes);
    const __m512i raw = _mm512_set1_epi32(bytes);
    const __m512i shifted = j < 4 ? raw : _mm512_srli_epi16(raw, 4);
    return _mm512_and_si512(shifted, _mm512_set1_epi8(0x0f));
  }
};

}  // namespace
}  // namespace edgeserve::quant::detail
