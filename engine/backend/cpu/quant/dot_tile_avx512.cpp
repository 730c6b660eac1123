// AVX-512 (VL, VNNI) tile kernels: weight rows x activation tiles of up to kTileTokens tokens (act_tile.h),
// the batched GEMM of prefill and batched decode, for Q8_0 and Q4_0 weights. Must not change any result:
// each output equals the rows kernel (dot_rows_avx512.cpp) on that token bit for bit. Only this file's
// functions are compiled for AVX-512 (pragma below); kernels.cpp offers them only at CpuIsa::Avx512.
//
// Why it is exact. Both kernels run the block-sum arithmetic of int8_weights_avx512.h: an exact int32 dot
// per (row, token, block), then one chain acc = fma(dw_b * da_b, float(isum_b), acc) over the blocks in
// order. Here a 512-bit register holds that chain for the 16 tokens of a tile, lane by lane.
//
// Why it is fast. A block's int32 dot of 16 tokens is eight chained vpdpbusd (one per 4-element lane j),
// starting from the tile's -offset * sum(a) for the block; the float work (one product, one conversion,
// one fma) comes once per eight vpdpbusd. A weight lane broadcast is shared by the G tiles of a step and
// an activation register by its R rows, so a step of R rows x G tiles loads 8 (R + G) registers per
// 8 R G multiplies.
#include <immintrin.h>

#include <algorithm>
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
#include "engine/backend/cpu/quant/int8_weights_avx512.h"

namespace edgeserve::quant::detail {
namespace {

constexpr int kLanes = 8;                                                     // int32 lanes per block
constexpr size_t kTileQuantBytes = static_cast<size_t>(kQK) * kTileTokens;    // qa bytes per block of a tile
constexpr size_t kTileTermBytes = kTileTokens * sizeof(uint16_t);             // da (or sa) bytes per block

// The tiles one step reads: G of them, stride bytes apart, rows of nb blocks.
struct Tiles {
  const uint8_t* first = nullptr;
  size_t stride = 0;
  int64_t nb = 0;
  const uint8_t* tile(int g) const { return first + static_cast<size_t>(g) * stride; }
  const uint8_t* qa(int g, int64_t b) const { return tile(g) + static_cast<size_t>(b) * kTileQuantBytes; }
  const uint8_t* da(int g, int64_t b) const {
    return tile(g) + static_cast<size_t>(nb) * kTileQuantBytes + static_cast<size_t>(b) * kTileTermBytes;
  }
  const uint8_t* sa(int g, int64_t b) const {
    return tile(g) + static_cast<size_t>(nb) * (kTileQuantBytes + kTileTermBytes) +
           static_cast<size_t>(b) * kTileTermBytes;
  }
};

// The next rows' bytes, prefetched a share per block: R interleaved row streams are more than the
// hardware prefetchers follow from memory, but the next step's rows are one contiguous run.
struct Prefetch {
  const uint8_t* next = nullptr;  // the first byte of the next step's rows
  size_t per_block = 0;           // bytes to prefetch per block step
};

// R rows x G tiles over all blocks. Output of row r, token k of tile g: out[r + (g * kTileTokens + k) *
// out_stride], for the first tokens[g] tokens of tile g only.
template <class F, int R, int G>
__attribute__((noinline)) void rows_x_tiles_step(const typename F::Block* const* rows, const Tiles& t,
                                                 const int* tokens, const Prefetch& prefetch, float* out,
                                                 size_t out_stride) {
  __m512 acc[R][G];
  for (int r = 0; r < R; ++r)
    for (int g = 0; g < G; ++g) acc[r][g] = _mm512_setzero_ps();
  for (int64_t b = 0; b < t.nb; ++b) {
    const uint8_t* ahead = prefetch.next + static_cast<size_t>(b) * prefetch.per_block;
    for (size_t off = 0; off < prefetch.per_block; off += 64)
      _mm_prefetch(reinterpret_cast<const char*>(ahead + off), _MM_HINT_T0);
    __m512i isum[R][G];
    __m512 da[G];
    for (int g = 0; g < G; ++g) {
      const __m512i sa = _mm512_cvtepi16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.sa(g, b))));
      const __m512i corr = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_slli_epi32(sa, F::kOffsetShift));
      for (int r = 0; r < R; ++r) isum[r][g] = corr;
      da[g] = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.da(g, b))));
    }
#pragma GCC unroll 8
    for (int j = 0; j < kLanes; ++j) {
      __m512i qa[G];
      for (int g = 0; g < G; ++g) qa[g] = _mm512_loadu_si512(t.qa(g, b) + j * 64);
      for (int r = 0; r < R; ++r) {
        const __m512i u = F::lane(rows[r][b], j);
        for (int g = 0; g < G; ++g) isum[r][g] = _mm512_dpbusd_epi32(isum[r][g], u, qa[g]);
      }
    }
    for (int r = 0; r < R; ++r) {
      const __m512 dw = _mm512_set1_ps(_cvtsh_ss(rows[r][b].d));
      for (int g = 0; g < G; ++g)
        acc[r][g] = _mm512_fmadd_ps(_mm512_mul_ps(dw, da[g]), _mm512_cvtepi32_ps(isum[r][g]), acc[r][g]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int g = 0; g < G; ++g) {
      alignas(64) float lanes[kTileTokens];
      _mm512_store_ps(lanes, acc[r][g]);
      float* o = out + r + static_cast<size_t>(g) * kTileTokens * out_stride;
      for (int k = 0; k < tokens[g]; ++k) o[static_cast<size_t>(k) * out_stride] = lanes[k];
    }
  }
}

// Rows in chunks of kChunkRows, each in steps of kStepRows rows (then fewer) against the tiles in pairs
// (then one). A step's outputs go to a chunk buffer first: written straight to `out`, each step would touch
// one line per token, and with out_stride a multiple of 4 KiB (3072 rows) all those lines share one L1 set
// and evict each other; a chunk flushes whole 64-byte lines instead.
template <class F>
void rows_x_tiles(int64_t n, const void* w_row0, size_t w_stride, int64_t num_rows, const void* tiles,
                  int64_t num_tiles, size_t tile_stride, int last_tile_tokens, float* out, size_t out_stride) {
  using Block = typename F::Block;
  constexpr int kStepRows = 4;
  constexpr int64_t kChunkRows = 16;
  assert(n % kQK == 0 && num_rows >= 0 && num_tiles >= 0);
  assert(last_tile_tokens >= 1 && last_tile_tokens <= kTileTokens);
  const int64_t nb = n / kQK;
  const auto* w = static_cast<const uint8_t*>(w_row0);
  const auto tiles_from = [&](int64_t g) {
    return Tiles{static_cast<const uint8_t*>(tiles) + static_cast<size_t>(g) * tile_stride, tile_stride, nb};
  };
  const auto tokens_of = [&](int64_t g) { return g + 1 == num_tiles ? last_tile_tokens : kTileTokens; };
  // chunk[t * kChunkRows + r]: token t (all tiles), row r of the chunk
  thread_local std::vector<float> chunk;
  chunk.resize(static_cast<size_t>(num_tiles * kTileTokens * kChunkRows));
  constexpr size_t kTileChunkStride = static_cast<size_t>(kTileTokens * kChunkRows);
  const auto run = [&]<int R>(int64_t r, int64_t chunk_row) {
    const Block* rows[R];
    for (int i = 0; i < R; ++i) rows[i] = reinterpret_cast<const Block*>(w + static_cast<size_t>(r + i) * w_stride);
    // the first pass over the tiles prefetches the next rows (later passes find them in cache)
    const int64_t next_rows = std::clamp<int64_t>(num_rows - (r + R), 0, R);  // within the matrix
    const Prefetch ahead{w + static_cast<size_t>(std::min<int64_t>(r + R, num_rows)) * w_stride,
                         (static_cast<size_t>(next_rows) * w_stride + static_cast<size_t>(nb) - 1) /
                             static_cast<size_t>(nb)};
    const Prefetch none{w, 0};
    float* o = chunk.data() + chunk_row;
    int64_t g = 0;
    for (; g + 2 <= num_tiles; g += 2) {
      const int tokens[2] = {tokens_of(g), tokens_of(g + 1)};
      rows_x_tiles_step<F, R, 2>(rows, tiles_from(g), tokens, g == 0 ? ahead : none, o + g * kTileChunkStride,
                                 kChunkRows);
    }
    if (g < num_tiles) {
      const int tokens[1] = {tokens_of(g)};
      rows_x_tiles_step<F, R, 1>(rows, tiles_from(g), tokens, g == 0 ? ahead : none, o + g * kTileChunkStride,
                                 kChunkRows);
    }
  };
  const int64_t num_tokens = (num_tiles - 1) * kTileTokens + last_tile_tokens;
  for (int64_t r0 = 0; r0 < num_rows; r0 += kChunkRows) {
    const int64_t chunk_end = std::min(r0 + kChunkRows, num_rows);
    int64_t r = r0;
    for (; r + kStepRows <= chunk_end; r += kStepRows) run.template operator()<kStepRows>(r, r - r0);
    for (; r + 2 <= chunk_end; r += 2) run.template operator()<2>(r, r - r0);
    for (; r < chunk_end; ++r) run.template operator()<1>(r, r - r0);
    const size_t bytes = static_cast<size_t>(chunk_end - r0) * sizeof(float);
    for (int64_t t = 0; t < num_tokens; ++t)
      std::memcpy(out + static_cast<size_t>(t) * out_stride + r0, chunk.data() + t * kChunkRows, bytes);
  }
}

}  // namespace

void vec_dot_tile_q8_0_q8_avx512(int64_t n, const void* w0, size_t w_stride, int64_t num_rows, const void* tiles,
                                 int64_t num_tiles, size_t tile_stride, int last_tile_tokens, float* out,
                                 size_t out_stride) {
  rows_x_tiles<Q8_0Weights>(n, w0, w_stride, num_rows, tiles, num_tiles, tile_stride, last_tile_tokens, out,
                            out_stride);
}

void vec_dot_tile_q4_0_q8_avx512(int64_t n, const void* w0, size_t w_stride, int64_t num_rows, const void* tiles,
                                 int64_t num_tiles, size_t tile_stride, int last_tile_tokens, float* out,
                                 size_t out_stride) {
  rows_x_tiles<Q4_0Weights>(n, w0, w_stride, num_rows, tiles, num_tiles, tile_stride, last_tile_tokens, out,
                            out_stride);
}

}  // namespace edgeserve::quant::detail

#pragma GCC diagnostic pop
#pragma GCC pop_options
