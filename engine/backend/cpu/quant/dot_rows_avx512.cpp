// AVX-512 (VL, VNNI) rows kernels for Q8_0 and Q4_0 weights: many weight rows against 1-4 Q8_0 tokens in
// one pass over the weights, the mat-vec of decode at low concurrency, in the block-sum arithmetic of
// int8_weights_avx512.h. The tile
// kernels (dot_tile_avx512.cpp) run the same float operations lane-wise across tokens, so a token's
// output never depends on the batch it is computed in. The single-row vec_dot of these formats at this
// level is this kernel on one row.
//
// Eight rows at a time: each row's block dot is one 256-bit vpdpbusd (8 int32 lanes); a transpose-add
// tree turns the eight of them into the eight rows' block sums in one register, so the scale product,
// the conversion and the fma run once per block for eight rows. Decode streams the weights from memory;
// this keeps the arithmetic well under that stream. Only this file's functions are compiled for AVX-512
// (pragma below); kernels.cpp offers them only at CpuIsa::Avx512.
#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <vector>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/dot_multi_impl.h"
#include "engine/backend/cpu/quant/kernels.h"

// After the includes: inline functions from headers must stay baseline-ISA (see dot_avx2.cpp).
#pragma GCC push_options
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")
#include "engine/backend/cpu/quant/int8_weights_avx512.h"

namespace edgeserve::quant::detail {
namespace {

constexpr int kRows = 8;
constexpr int kMaxRowsTokens = kMaxRowsKernelTokens;

// Lane i of the result: the sum of the 8 int32 lanes of v[i] (exact; the order of integer additions
// does not matter).
inline __attribute__((always_inline)) __m256i sum_lanes_8(const __m256i (&v)[kRows]) {
  const __m256i h01 = _mm256_hadd_epi32(v[0], v[1]), h23 = _mm256_hadd_epi32(v[2], v[3]);
  const __m256i h45 = _mm256_hadd_epi32(v[4], v[5]), h67 = _mm256_hadd_epi32(v[6], v[7]);
  // [r0 r1 r2 r3 (lanes 0-3) | r0 r1 r2 r3 (lanes 4-7)] and the same for rows 4-7
  const __m256i q0 = _mm256_hadd_epi32(h01, h23), q1 = _mm256_hadd_epi32(h45, h67);
  return _mm256_add_epi32(_mm256_permute2x128_si256(q0, q1, 0x20), _mm256_permute2x128_si256(q0, q1, 0x31));
}

// The token's per-block terms, shared by all rows: -offset * sum(a_b) and float(da_b).
struct TokenTerms {
  std::vector<int32_t> corr;
  std::vector<float> da;
};

template <class F>
void fill_token_terms(const BlockQ8_0* a, int64_t nb, TokenTerms& t) {
  t.corr.resize(static_cast<size_t>(nb));
  t.da.resize(static_cast<size_t>(nb));
  const __m256i ones = _mm256_set1_epi8(1);
  for (int64_t b = 0; b < nb; ++b) {
    // sum(a) = 1 . a by vpdpbusd, then its 8 lanes
    const __m256i s8 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), ones,
                                           _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[b].qs)));
    const __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s8), _mm256_extracti128_si256(s8, 1));
    const __m128i s2 = _mm_add_epi32(s4, _mm_unpackhi_epi64(s4, s4));
    const int32_t sum = _mm_cvtsi128_si32(_mm_add_epi32(s2, _mm_shuffle_epi32(s2, 1)));
    t.corr[static_cast<size_t>(b)] = -(sum * (1 << F::kOffsetShift));
    t.da[static_cast<size_t>(b)] = _cvtsh_ss(a[b].d);
  }
}

// NT tokens (1..kMaxRowsTokens) against num_rows rows in one pass over the weights: each weight block is
// loaded and made unsigned once for all the tokens; each token's operations are those of NT = 1.
template <class F, int NT>
void dot_rows(int64_t n, const uint8_t* w, size_t w_stride, int64_t num_rows, const BlockQ8_0* const* act,
              float* const* out) {
  using Block = typename F::Block;
  const int64_t nb = n / kQK;
  thread_local TokenTerms terms[kMaxRowsTokens];
  const int32_t* corr[NT];
  const float* da[NT];
  for (int t = 0; t < NT; ++t) {
    fill_token_terms<F>(act[t], nb, terms[t]);
    corr[t] = terms[t].corr.data();
    da[t] = terms[t].da.data();
  }
  // The eight rows are eight interleaved streams, which the hardware prefetchers follow poorly; their
  // group is one contiguous run, so each block step prefetches its share of the next group's run (within
  // the matrix).
  for (int64_t r0 = 0; r0 < num_rows; r0 += kRows) {
    // a last group of fewer rows repeats the last row (computed, not stored)
    const Block* row[kRows];
    alignas(32) int32_t offset[kRows];
    for (int i = 0; i < kRows; ++i) {
      const int64_t r = std::min<int64_t>(r0 + i, num_rows - 1);
      row[i] = reinterpret_cast<const Block*>(w + static_cast<size_t>(r) * w_stride);
      offset[i] = static_cast<int32_t>(static_cast<size_t>(r - r0) * w_stride);
    }
    const __m256i scale_offsets = _mm256_load_si256(reinterpret_cast<const __m256i*>(offset));
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    const int64_t next_rows = std::clamp<int64_t>(num_rows - (r0 + kRows), 0, kRows);
    const uint8_t* next_group = w + static_cast<size_t>(std::min<int64_t>(r0 + kRows, num_rows)) * w_stride;
    const size_t prefetch_step = (static_cast<size_t>(next_rows) * w_stride + static_cast<size_t>(nb) - 1) /
                                 static_cast<size_t>(nb);
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* ahead = next_group + static_cast<size_t>(b) * prefetch_step;
      for (size_t off = 0; off < prefetch_step; off += 64)
        _mm_prefetch(reinterpret_cast<const char*>(ahead + off), _MM_HINT_T0);
      __m256i u[kRows];
      for (int i = 0; i < kRows; ++i) u[i] = F::quants(row[i][b]);
      // the eight rows' F16 scales (the first two bytes of each block) by one gather
      const __m256i d32 = _mm256_i32gather_epi32(reinterpret_cast<const int*>(row[0] + b), scale_offsets, 1);
      const __m256 dw = _mm256_cvtph_ps(_mm256_cvtepi32_epi16(d32));
      for (int t = 0; t < NT; ++t) {
        const __m256i qa = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(act[t][b].qs));
        __m256i dots[kRows];
        for (int i = 0; i < kRows; ++i) dots[i] = _mm256_dpbusd_epi32(_mm256_setzero_si256(), u[i], qa);
        const __m256i isum = _mm256_add_epi32(sum_lanes_8(dots), _mm256_set1_epi32(corr[t][b]));
        const __m256 scale = _mm256_mul_ps(dw, _mm256_set1_ps(da[t][b]));
        acc[t] = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(isum), acc[t]);
      }
    }
    const int64_t valid = std::min<int64_t>(kRows, num_rows - r0);
    for (int t = 0; t < NT; ++t) _mm256_mask_storeu_ps(out[t] + r0, static_cast<__mmask8>((1u << valid) - 1), acc[t]);
  }
}

template <class F>
void dot_rows_tokens(int64_t n, const void* w_row0, size_t w_stride, int64_t num_rows, const void* act0,
                     size_t act_stride, int num_tokens, float* out0, size_t out_stride) {
  assert(n % kQK == 0 && num_rows >= 0 && num_tokens >= 1 && num_tokens <= kMaxRowsTokens);
  assert(w_stride * (kRows - 1) < (size_t{1} << 31));  // gather offsets are int32
  const BlockQ8_0* act[kMaxRowsTokens];
  float* out[kMaxRowsTokens];
  for (int t = 0; t < num_tokens; ++t) {
    act[t] = reinterpret_cast<const BlockQ8_0*>(static_cast<const uint8_t*>(act0) + static_cast<size_t>(t) * act_stride);
    out[t] = out0 + static_cast<size_t>(t) * out_stride;
  }
  const auto* w = static_cast<const uint8_t*>(w_row0);
  switch (num_tokens) {
    case 1: dot_rows<F, 1>(n, w, w_stride, num_rows, act, out); break;
    case 2: dot_rows<F, 2>(n, w, w_stride, num_rows, act, out); break;
    case 3: dot_rows<F, 3>(n, w, w_stride, num_rows, act, out); break;
    default: dot_rows<F, 4>(n, w, w_stride, num_rows, act, out); break;
  }
}

}  // namespace

void vec_dot_rows_q8_0_q8_avx512(int64_t n, const void* w0, size_t w_stride, int64_t num_rows, const void* act0,
                                 size_t act_stride, int num_tokens, float* out, size_t out_stride) {
  dot_rows_tokens<Q8_0Weights>(n, w0, w_stride, num_rows, act0, act_stride, num_tokens, out, out_stride);
}

void vec_dot_rows_q4_0_q8_avx512(int64_t n, const void* w0, size_t w_stride, int64_t num_rows, const void* act0,
                                 size_t act_stride, int num_tokens, float* out, size_t out_stride) {
  dot_rows_tokens<Q4_0Weights>(n, w0, w_stride, num_rows, act0, act_stride, num_tokens, out, out_stride);
}

void vec_dot_q8_0_q8_avx512(int64_t n, const void* w_row, const void* act, float* out) {
  dot_rows_tokens<Q8_0Weights>(n, w_row, 0, 1, act, 0, 1, out, 0);
}

void vec_dot_q4_0_q8_avx512(int64_t n, const void* w_row, const void* act, float* out) {
  dot_rows_tokens<Q4_0Weights>(n, w_row, 0, 1, act, 0, 1, out, 0);
}

}  // namespace edgeserve::quant::detail

#pragma GCC diagnostic pop
#pragma GCC pop_options
