// AVX-512 (VL, VNNI) tile kernels: weight rows x activation tiles of kTileTokens tokens (act_tile.h), the
// batched GEMM of prefill and batched decode. Must not change any result: each output equals
// vec_dot_*_q8_avx512 (dot_avx512.cpp) on that token bit for bit. Only this file's functions are compiled
// for AVX-512 (pragma below); kernels.cpp offers them only at CpuIsa::Avx512.
//
// Why it is exact. The single-token kernel keeps 32 float accumulators per output: int32 lane j (elements
// 4j..4j+3) of block b goes to accumulator (b mod 4, j) in the main loop (acc0 lanes 0-7/8-15 take blocks
// 0/1 mod 4, acc1 blocks 2/3 mod 4); the num_blocks % 4 tail blocks go to (0, j), (1, j), (0, j) in turn.
// Each accumulator is a chain acc = fma(dw_b * da_b, float(lane dot), acc) in block order; then
// reduce_add_16(acc0 + acc1) sums the 32 in a fixed tree (simd_avx512_helpers.h). Here a 512-bit
// register holds one accumulator (chain m, lane j) for the 16 tokens of a tile, so the same chains run
// lane-wise across tokens and the same tree of additions runs over registers: identical float operations.
// The lane dot is exact in int32 either way: vpdpbusd(-128 * sum(w), a + 128, w) = sum(a * w).
//
// Why it is fast. Per 64 multiply-adds (one vpdpbusd: 16 tokens x 4 elements) the float work is one
// conversion and one fma: the block scale product dw * da is formed once per block for all 8 lanes, and
// the sign handling of the single-token kernel (|w|, a * sign(w)) becomes the per-lane -128 * sum(w)
// the vpdpbusd starts from. A weight lane and its correction are broadcast loads shared by all the tiles
// of a step, an activation register is shared by all its rows (steps of 1 row x 2 tiles, or 2-3 rows x 1
// tile when only one tile fits L1). Measured on Zen 5 (peakflops: 1155 GOP/s INT8 per core), the steps
// are bound by about two loads per cycle next to one vpdpbusd and one fma per cycle.
#include <immintrin.h>

#include <cassert>
#include <cstring>
#include <vector>

#include "engine/backend/cpu/quant/act_tile.h"
#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/dot_multi_impl.h"
#include "engine/backend/cpu/quant/kernels.h"

// After the includes: inline functions from headers must stay baseline-ISA (see dot_avx2.cpp).
#pragma GCC push_options
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")

namespace edgeserve::quant::detail {
namespace {

constexpr int kLanes = 8;  // int32 lanes per block (4 elements each)
constexpr int kMaxRowsPerStep = 3;
constexpr size_t kTileQuantBytes = static_cast<size_t>(kQK) * kTileTokens;  // qa bytes per block of a tile

// One weight row's per-block terms, prepared once for all the tiles (Q8_0: corr and dw are formed in the
// block step instead and stay null).
struct RowPanel {
  const int8_t* q = nullptr;  // block b's signed quants at q + b * q_stride (lane j at +4j)
  size_t q_stride = 0;
  const int32_t* corr = nullptr;  // [nb][8]: -128 * (sum of lane j's four quants)
  const float* dw = nullptr;      // [nb]: the block scale as float
};

// Per-thread storage for kMaxRowsPerStep panels; grows once to the largest row, then is reused.
uint8_t* panel_storage(size_t bytes) {
  thread_local std::vector<uint8_t> storage;
  if (storage.size() < bytes) storage.resize(bytes);
  return storage.data();
}

// corr and dw of one block from its 32 signed quants.
inline __attribute__((always_inline)) void block_terms(const __m256i q, uint16_t d, int32_t* corr, float* dw) {
  const __m256i sum128 = _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(static_cast<char>(0x80)), q);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(corr), _mm256_sub_epi32(_mm256_setzero_si256(), sum128));
  *dw = _cvtsh_ss(d);
}

// Q8_0: the quants are read in place and corr and dw are formed inside the block step (no panel pass:
// for one pass of two tiles that pass cost about a fifth of the multiply work).
RowPanel q8_0_panel(const void* w_row, int64_t, uint8_t*) {
  const auto* w = static_cast<const BlockQ8_0*>(w_row);
  return RowPanel{w[0].qs, sizeof(BlockQ8_0), nullptr, nullptr};
}

// Q4_0: nibbles unpacked to q - 8 in element order (low nibbles are elements 0..15, high 16..31), the
// signed quants of dot_avx512.cpp's sum(q * a) - 8 * sum(a) (both exact in int32).
RowPanel q4_0_panel(const void* w_row, int64_t nb, uint8_t* storage) {
  const auto* w = static_cast<const BlockQ4_0*>(w_row);
  auto* corr = reinterpret_cast<int32_t*>(storage);
  auto* dw = reinterpret_cast<float*>(storage + static_cast<size_t>(nb) * kLanes * sizeof(int32_t));
  auto* q = reinterpret_cast<int8_t*>(storage + static_cast<size_t>(nb) * (kLanes * sizeof(int32_t) + sizeof(float)));
  const __m128i low4 = _mm_set1_epi8(0x0f);
  for (int64_t b = 0; b < nb; ++b) {
    const __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].qs));
    const __m256i nibbles =
        _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(raw, 4), low4), _mm_and_si128(raw, low4));
    const __m256i centered = _mm256_sub_epi8(nibbles, _mm256_set1_epi8(8));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + b * kQK), centered);
    block_terms(centered, w[b].d, corr + b * kLanes, dw + b);
  }
  return RowPanel{q, static_cast<size_t>(kQK), corr, dw};
}

size_t panel_bytes(int64_t nb) { return static_cast<size_t>(nb) * (kLanes * sizeof(int32_t) + sizeof(float) + kQK); }

// The tiles one kernel call reads: G of them, tile_stride bytes apart.
struct Tiles {
  const uint8_t* first = nullptr;
  size_t stride = 0;
  int64_t nb = 0;
  const uint8_t* qa(int g, int64_t b) const {
    return first + static_cast<size_t>(g) * stride + static_cast<size_t>(b) * kTileQuantBytes;
  }
  const uint16_t* da(int g, int64_t b) const {
    return reinterpret_cast<const uint16_t*>(first + static_cast<size_t>(g) * stride +
                                             static_cast<size_t>(nb) * kTileQuantBytes) + b * kTileTokens;
  }
};

// acc[r][g][j] = fma(dw_b * da_b, float(lane j dot of block b), acc[r][g][j]) for R rows x G tiles.
// Zen 5 runs about two of these loads per cycle and one vpdpbusd + one fma per cycle next to them, so
// every broadcast (a row's corr and weight lane) is loaded once for all G tiles, and every activation
// register once for all R rows: R = 1, G = 2 and R = 2, G = 1 load two registers per vpdpbusd.
// Fused: p[r] has no corr and dw (Q8_0); they come from the block's quants and F16 scale (2 bytes before
// the quants) here, through a small stack buffer that the broadcasts read back.
template <int R, int G, bool Fused>
inline __attribute__((always_inline)) void block_step(const RowPanel* p, const Tiles& t, int64_t b,
                                                      __m512 (&acc)[R][G][kLanes]) {
  alignas(32) int32_t fused_corr[R][kLanes];
  float dw[R];
  for (int r = 0; r < R; ++r) {
    if constexpr (Fused) {
      const int8_t* qb = p[r].q + static_cast<size_t>(b) * p[r].q_stride;
      block_terms(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(qb)),
                  static_cast<uint16_t>(static_cast<uint8_t>(qb[-2]) | static_cast<uint8_t>(qb[-1]) << 8),
                  fused_corr[r], &dw[r]);
    } else {
      dw[r] = p[r].dw[b];
    }
  }
  __m512 scale[R][G];
  for (int g = 0; g < G; ++g) {
    const __m512 da_b = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.da(g, b))));
    for (int r = 0; r < R; ++r) scale[r][g] = _mm512_mul_ps(_mm512_set1_ps(dw[r]), da_b);
  }
#pragma GCC unroll 8
  for (int j = 0; j < kLanes; ++j) {
    __m512i a[G];
    for (int g = 0; g < G; ++g) a[g] = _mm512_loadu_si512(t.qa(g, b) + j * 64);
    for (int r = 0; r < R; ++r) {
      int32_t w_lane;
      std::memcpy(&w_lane, p[r].q + static_cast<size_t>(b) * p[r].q_stride + 4 * j, sizeof w_lane);
      const __m512i w = _mm512_set1_epi32(w_lane);
      const __m512i corr = _mm512_set1_epi32(Fused ? fused_corr[r][j] : p[r].corr[b * kLanes + j]);
      for (int g = 0; g < G; ++g) {
        const __m512i dot = _mm512_dpbusd_epi32(corr, a[g], w);
        acc[r][g][j] = _mm512_fmadd_ps(scale[r][g], _mm512_cvtepi32_ps(dot), acc[r][g][j]);
      }
    }
  }
}

// Accumulator chain m (0..3) of the single-token kernel's block walk (see the file comment), from zero,
// into chain. The accumulators are locals stored once at the end: GCC keeps them in registers then.
template <int R, int G, bool Fused>
__attribute__((noinline)) void run_chain(const RowPanel* p, const Tiles& t, int m, __m512 (&chain)[R][G][kLanes]) {
  __m512 acc[R][G][kLanes];
  for (int r = 0; r < R; ++r)
    for (int g = 0; g < G; ++g)
      for (int j = 0; j < kLanes; ++j) acc[r][g][j] = _mm512_setzero_ps();
  const int64_t nb = t.nb, main_end = nb / 4 * 4;
  for (int64_t b = m; b < main_end; b += 4) block_step<R, G, Fused>(p, t, b, acc);
  if (m == 0) {
    if (main_end < nb) block_step<R, G, Fused>(p, t, main_end, acc);
    if (main_end + 2 < nb) block_step<R, G, Fused>(p, t, main_end + 2, acc);
  } else if (m == 1 && main_end + 1 < nb) {
    block_step<R, G, Fused>(p, t, main_end + 1, acc);
  }
  for (int r = 0; r < R; ++r)
    for (int g = 0; g < G; ++g)
      for (int j = 0; j < kLanes; ++j) chain[r][g][j] = acc[r][g][j];
}

// R rows x G tiles: the four chains, then reduce_add_16(acc0 + acc1)'s additions lane-wise.
// Output of row r, token k of tile g: out[r + (g * kTileTokens + k) * out_stride].
template <int R, int G, bool Fused>
void rows_x_tiles_step(const RowPanel* p, const Tiles& t, float* out, size_t out_stride) {
  __m512 c0[R][G][kLanes], c1[R][G][kLanes], c2[R][G][kLanes], c3[R][G][kLanes];
  run_chain<R, G, Fused>(p, t, 0, c0);
  run_chain<R, G, Fused>(p, t, 1, c1);
  run_chain<R, G, Fused>(p, t, 2, c2);
  run_chain<R, G, Fused>(p, t, 3, c3);
  for (int r = 0; r < R; ++r) {
    for (int g = 0; g < G; ++g) {
      // acc0 + acc1 (chain 0 + chain 2 in lanes 0-7, chain 1 + chain 3 in lanes 8-15), then upper 256 +
      // lower 256 bits, upper 128 + lower 128, [2, 3] + [0, 1], lane 0 + lane 1
      __m512 t3[kLanes];
      for (int j = 0; j < kLanes; ++j)
        t3[j] = _mm512_add_ps(_mm512_add_ps(c1[r][g][j], c3[r][g][j]), _mm512_add_ps(c0[r][g][j], c2[r][g][j]));
      const __m512 t6_0 = _mm512_add_ps(t3[4], t3[0]), t6_1 = _mm512_add_ps(t3[5], t3[1]);
      const __m512 t6_2 = _mm512_add_ps(t3[6], t3[2]), t6_3 = _mm512_add_ps(t3[7], t3[3]);
      const __m512 sum = _mm512_add_ps(_mm512_add_ps(t6_0, t6_2), _mm512_add_ps(t6_1, t6_3));
      alignas(64) float lanes[kTileTokens];
      _mm512_store_ps(lanes, sum);
      float* o = out + r + static_cast<size_t>(g) * kTileTokens * out_stride;
      for (int k = 0; k < kTileTokens; ++k) o[static_cast<size_t>(k) * out_stride] = lanes[k];
    }
  }
}

// Two or more tiles: one row at a time against tile pairs (its panel built once for all the tiles). One
// tile: rows three at a time (then two, then one) against it.
template <RowPanel (*MakePanel)(const void*, int64_t, uint8_t*), bool Fused>
void rows_x_tiles(int64_t n, const void* w_row0, size_t w_stride, int64_t num_rows, const void* tiles,
                  int64_t num_tiles, size_t tile_stride, float* out, size_t out_stride) {
  assert(n % kQK == 0 && num_rows >= 0 && num_tiles >= 0);
  const int64_t nb = n / kQK;
  const size_t one_panel = panel_bytes(nb);
  uint8_t* storage = panel_storage(one_panel * kMaxRowsPerStep);
  const auto* w = static_cast<const uint8_t*>(w_row0);
  const auto row_panel = [&](int64_t r, int slot) {
    return MakePanel(w + static_cast<size_t>(r) * w_stride, nb, storage + static_cast<size_t>(slot) * one_panel);
  };
  const size_t tile_out_stride = out_stride * kTileTokens;
  const auto tiles_from = [&](int64_t g) {
    return Tiles{static_cast<const uint8_t*>(tiles) + static_cast<size_t>(g) * tile_stride, tile_stride, nb};
  };
  int64_t r = 0;
  if (num_tiles == 1) {
    for (; r + 3 <= num_rows; r += 3) {
      const RowPanel p[3] = {row_panel(r, 0), row_panel(r + 1, 1), row_panel(r + 2, 2)};
      rows_x_tiles_step<3, 1, Fused>(p, tiles_from(0), out + r, out_stride);
    }
    for (; r + 2 <= num_rows; r += 2) {
      const RowPanel p[2] = {row_panel(r, 0), row_panel(r + 1, 1)};
      rows_x_tiles_step<2, 1, Fused>(p, tiles_from(0), out + r, out_stride);
    }
  }
  for (; r < num_rows; ++r) {
    const RowPanel p[1] = {row_panel(r, 0)};
    int64_t g = 0;
    for (; g + 2 <= num_tiles; g += 2)
      rows_x_tiles_step<1, 2, Fused>(p, tiles_from(g), out + r + g * tile_out_stride, out_stride);
    if (g < num_tiles) rows_x_tiles_step<1, 1, Fused>(p, tiles_from(g), out + r + g * tile_out_stride, out_stride);
  }
}

}  // namespace

void vec_dot_tile_q8_0_q8_avx512(int64_t n, const void* w0, size_t w_stride, int64_t num_rows, const void* tiles,
                                 int64_t num_tiles, size_t tile_stride, float* out, size_t out_stride) {
  rows_x_tiles<q8_0_panel, true>(n, w0, w_stride, num_rows, tiles, num_tiles, tile_stride, out, out_stride);
}

void vec_dot_tile_q4_0_q8_avx512(int64_t n, const void* w0, size_t w_stride, int64_t num_rows, const void* tiles,
                                 int64_t num_tiles, size_t tile_stride, float* out, size_t out_stride) {
  rows_x_tiles<q4_0_panel, false>(n, w0, w_stride, num_rows, tiles, num_tiles, tile_stride, out, out_stride);
}

}  // namespace edgeserve::quant::detail

#pragma GCC diagnostic pop
#pragma GCC pop_options
