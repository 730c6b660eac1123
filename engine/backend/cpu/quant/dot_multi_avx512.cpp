// AVX-512 (F, BW, VL, VNNI) multi-token dot kernel for Q4_1 weights: one weight row against kMultiTokens
// activation rows. Each weight block pair is loaded and unpacked once, then fed to vpdpbusd for every token;
// per output the float work (block scale products, the two alternating accumulators, the final reduction)
// is the one of the single-token kernel in dot_avx512.cpp, so each result equals that kernel's result bit
// for bit. (Q8_0 and Q4_0 have rows and tile kernels at this level instead: dot_rows_avx512.cpp,
// dot_tile_avx512.cpp.) Only this file's functions are compiled for AVX-512 (pragma below).
#include <immintrin.h>

#include <cassert>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/dot_multi_impl.h"
#include "engine/backend/cpu/quant/kernels.h"

// After the includes: inline functions from headers must stay baseline-ISA (see dot_avx2.cpp).
#pragma GCC push_options
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")
#include "engine/backend/cpu/quant/simd_avx512_helpers.h"

namespace edgeserve::quant::detail {
namespace {

constexpr int kT = kMultiTokens;

// [h0 x 8, h1 x 8] as floats (two_scales' lane layout in dot_avx512.cpp) from two f16 scales (h1 = 0 for
// a missing second block). Products of two such vectors are, lane by lane, the float products the single-token
// kernel forms in scalar registers; building them this way costs fewer vector-port instructions.
__m512 pair_scales(uint16_t h0, uint16_t h1) {
  const uint32_t bits = h0 | static_cast<uint32_t>(h1) << 16;
  const __m128 both = _mm_cvtph_ps(_mm_cvtsi32_si128(static_cast<int>(bits)));  // [h0, h1, 0, 0]
  const __m512i lanes = _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0);
  return _mm512_permutexvar_ps(lanes, _mm512_castps128_ps512(both));
}

// The activation scales of block pair b of one token.
__m512 act_scales(const BlockQ8_0* a, int64_t b, bool has_second) {
  return pair_scales(a[b].d, has_second ? a[b + 1].d : uint16_t{0});
}

// The kT activation rows, as block arrays.
struct ActRows {
  const BlockQ8_0* row[kT];
  ActRows(const void* a0, size_t stride) {
    for (int k = 0; k < kT; ++k)
      row[k] = reinterpret_cast<const BlockQ8_0*>(static_cast<const uint8_t*>(a0) + k * stride);
  }
};

// The block-pair walk of over_block_pairs (dot_avx512.cpp) with one accumulator pair per (weight row,
// token): step(acc, b, has_second) adds block pair b into acc[0..R)[0..kT). Output of row r, token k:
// out[r + k * out_stride].
template <int R, typename Step>
void over_block_pairs_multi(int64_t num_blocks, float* out, size_t out_stride, Step step) {
  __m512 acc0[R][kT], acc1[R][kT];
  for (int r = 0; r < R; ++r)
    for (int k = 0; k < kT; ++k) acc0[r][k] = acc1[r][k] = _mm512_setzero_ps();
  int64_t b = 0;
  for (; b + 4 <= num_blocks; b += 4) {
    step(acc0, b, true);
    step(acc1, b + 2, true);
  }
  for (; b < num_blocks; b += 2) step(acc0, b, b + 1 < num_blocks);
  for (int r = 0; r < R; ++r)
    for (int k = 0; k < kT; ++k)
      out[r + k * out_stride] = reduce_add_16(_mm512_add_ps(acc0[r][k], acc1[r][k]));
}

template <typename Block, int R>
struct WeightRows {
  const Block* row[R];
  WeightRows(const void* w0, size_t stride) {
    for (int r = 0; r < R; ++r)
      row[r] = reinterpret_cast<const Block*>(static_cast<const uint8_t*>(w0) + r * stride);
  }
};

// x = d*q + m: the activation block sums (and their float conversion) are shared by all weight rows.
template <int R>
void q4_1_multi(int64_t n, const void* w0, size_t w_stride, const void* act0, size_t act_stride, float* out,
                size_t out_stride) {
  assert(n % kQK == 0);
  const WeightRows<BlockQ4_1, R> w(w0, w_stride);
  const ActRows a(act0, act_stride);
  const __m512i ones = _mm512_set1_epi8(1);
  over_block_pairs_multi<R>(n / kQK, out, out_stride,
                            [&w, &a, ones](__m512 (&acc)[R][kT], int64_t b, bool has_second)
                                __attribute__((always_inline)) {
    __m512i q[R];
    __m512 dw[R], mw[R];
    for (int r = 0; r < R; ++r) {
      const BlockQ4_1* wr = w.row[r];
      q[r] = unpack_nibble_pair(wr[b].qs, has_second ? wr[b + 1].qs : nullptr);
      dw[r] = pair_scales(wr[b].d, has_second ? wr[b + 1].d : uint16_t{0});
      mw[r] = pair_scales(wr[b].m, has_second ? wr[b + 1].m : uint16_t{0});
    }
#pragma GCC unroll 4
    for (int k = 0; k < kT; ++k) {
      const BlockQ8_0* ak = a.row[k];
      const __m512i qa = load_pair(ak[b].qs, has_second ? ak[b + 1].qs : nullptr);
      const __m512 sum_a = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, qa));
      const __m512 da = act_scales(ak, b, has_second);
      for (int r = 0; r < R; ++r) {
        const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q[r], qa);
        acc[r][k] = _mm512_fmadd_ps(_mm512_mul_ps(dw[r], da), _mm512_cvtepi32_ps(dot), acc[r][k]);
        acc[r][k] = _mm512_fmadd_ps(_mm512_mul_ps(mw[r], da), sum_a, acc[r][k]);
      }
    }
  });
}

}  // namespace

void vec_dot_x4_q4_1_q8_avx512(int64_t n, const void* w_row, const void* act0, size_t act_stride, float* out,
                               size_t out_stride) {
  q4_1_multi<1>(n, w_row, 0, act0, act_stride, out, out_stride);
}

}  // namespace edgeserve::quant::detail

#pragma GCC diagnostic pop
#pragma GCC pop_options
