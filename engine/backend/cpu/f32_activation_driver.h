#pragma once
// The ISA-independent loop of the F32-activation kernels (f32_activation_linear.h): output rows in tiles
// of kRowTile, tokens in groups of up to Isa::kTokens, rows in groups (rows_per_call); each weight block is
// decoded once per token group and FMA'd into one accumulator per (row, token), vectors in block order;
// one activation load serves every row of the call. Every (row, token) runs exactly the same operations in the
// same order whatever the group sizes, so results are batch-invariant bit for bit.
// Include only from a file compiled for the Isa's target (after its `#pragma GCC target`), with Isa and
// Block types of internal linkage, so each file gets its own instantiations.
//
// Isa:   V, kLanes, kTokens, kRows, kChains, zero(), load(const float*), fma(a, b, c) = a * b + c, reduce(V)
// Block: kElems, kBytes, decode(const uint8_t* block, V* w): the block's kElems / kLanes vectors of weights
#include <algorithm>
#include <array>
#include <cassert>
#include <cstdint>
#include <utility>

#include "engine/backend/cpu/linear_kernel.h"
#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/dequantize.h"

namespace edgeserve::cpu::f32act {

// y[t * y_stride + r] = dot(x[t * in ..], W row r) for r < NR, t < NT; W row r at w + r * w_row_bytes.
template <class Isa, class Block, int NR, int NT>
void dot_rows(const uint8_t* w, size_t w_row_bytes, const float* x, int64_t in, float* y, int64_t y_stride) {
  using V = typename Isa::V;
  constexpr int kVecs = Block::kElems / Isa::kLanes;
  static_assert(Block::kElems % Isa::kLanes == 0);
  assert(in % Block::kElems == 0);  // rows of a block format are whole blocks (row_nbytes)
  V acc[NR][NT];
  for (int r = 0; r < NR; ++r)
    for (int t = 0; t < NT; ++t) acc[r][t] = Isa::zero();
  const int64_t num_blocks = in / Block::kElems;
  for (int64_t b = 0; b < num_blocks; ++b) {
    V wv[NR][kVecs];
    for (int r = 0; r < NR; ++r) {
      const uint8_t* block = w + r * w_row_bytes + b * Block::kBytes;
      // The same place in the rows of the next call: NR rows interleave NR short streams, which the
      // hardware prefetcher follows poorly (single-token decode reads the weights from DRAM). Never faults.
      __builtin_prefetch(block + NR * w_row_bytes);
      Block::decode(block, wv[r]);
    }
    const float* xb = x + b * Block::kElems;
    for (int v = 0; v < kVecs; ++v)
      for (int t = 0; t < NT; ++t) {
        const V xv = Isa::load(xb + t * in + v * Isa::kLanes);
        for (int r = 0; r < NR; ++r) acc[r][t] = Isa::fma(wv[r][v], xv, acc[r][t]);
      }
  }
  for (int t = 0; t < NT; ++t)
    for (int r = 0; r < NR; ++r) y[t * y_stride + r] = Isa::reduce(acc[r][t]);
}

using DotRowsFn = void (*)(const uint8_t*, size_t, const float*, int64_t, float*, int64_t);

// Rows per call for a group of NT tokens: at least kChains independent accumulators (FMA latency x ports),
// so single-token decode runs 8 rows at once, and one activation load serves kRows rows in prefill.
template <class Isa, int NT>
constexpr int rows_per_call() { return std::max(Isa::kRows, Isa::kChains / NT); }

struct DotFor {  // the kernels for one token-group size
  int rows;            // rows per call of `many`
  DotRowsFn many;      // `rows` rows
  DotRowsFn one;       // one row (the tile's last rows when it is not a multiple of `rows`)
};

template <class Isa, class Block, size_t... I>
constexpr std::array<DotFor, sizeof...(I)> dot_table(std::index_sequence<I...>) {
  return {DotFor{rows_per_call<Isa, static_cast<int>(I) + 1>(),
                 &dot_rows<Isa, Block, rows_per_call<Isa, static_cast<int>(I) + 1>(), static_cast<int>(I) + 1>,
                 &dot_rows<Isa, Block, 1, static_cast<int>(I) + 1>}...};
}

template <class Isa, class Block>
void compute(const LinearArgs& a, int64_t out_begin, int64_t out_end) {
  // 16 rows of weights stay in L1 while every token group of the call passes over them.
  constexpr int64_t kRowTile = 16;
  static constexpr auto kDot = dot_table<Isa, Block>(std::make_index_sequence<Isa::kTokens>());
  for (int64_t tile = out_begin; tile < out_end; tile += kRowTile) {
    const int64_t tile_end = std::min(tile + kRowTile, out_end);
    for (int64_t t = 0; t < a.num_tokens; t += Isa::kTokens) {
      const DotFor& dot = kDot[static_cast<size_t>(std::min<int64_t>(Isa::kTokens, a.num_tokens - t) - 1)];
      const float* x = a.x + t * a.in;
      float* y = a.y + t * a.out;
      int64_t o = tile;
      for (; o + dot.rows <= tile_end; o += dot.rows)
        dot.many(a.w + static_cast<size_t>(o) * a.w_row_bytes, a.w_row_bytes, x, a.in, y + o, a.out);
      for (; o < tile_end; ++o)
        dot.one(a.w + static_cast<size_t>(o) * a.w_row_bytes, a.w_row_bytes, x, a.in, y + o, a.out);
    }
  }
}

// constexpr: the kernel tables are constant-initialized, no code of the SIMD target runs at start-up.
template <class Isa, class Block>
constexpr LinearKernel make_kernel() {
  LinearKernel k;
  k.compute = &compute<Isa, Block>;
  k.rows_per_unit = 16;
  return k;
}

// K-quant super-blocks: the reference dequantizer's floats for one super-block (exact by definition), then
// loaded as vectors.
template <class Isa, DType D, int Bytes>
struct KQuantBlock {
  static constexpr int kElems = quant::kQK_K, kBytes = Bytes;
  static void decode(const uint8_t* p, typename Isa::V* w) {
    alignas(64) float buf[quant::kQK_K];
    quant::dequantize_row(D, p, buf, quant::kQK_K);
    for (int v = 0; v < quant::kQK_K / Isa::kLanes; ++v) w[v] = Isa::load(buf + v * Isa::kLanes);
  }
};

// One ISA level's kernel for each weight dtype, from its in-register decoders of the 32-element formats
// (the K-quants through KQuantBlock); nullptr for a dtype without one.
template <class Isa, class Q4_0, class Q4_1, class Q5_0, class Q5_1, class Q8_0>
const LinearKernel* kernel_for(DType dtype) {
  static constexpr LinearKernel kQ4_0 = make_kernel<Isa, Q4_0>();
  static constexpr LinearKernel kQ4_1 = make_kernel<Isa, Q4_1>();
  static constexpr LinearKernel kQ5_0 = make_kernel<Isa, Q5_0>();
  static constexpr LinearKernel kQ5_1 = make_kernel<Isa, Q5_1>();
  static constexpr LinearKernel kQ8_0 = make_kernel<Isa, Q8_0>();
  static constexpr LinearKernel kQ4_K = make_kernel<Isa, KQuantBlock<Isa, DType::Q4_K, sizeof(quant::BlockQ4_K)>>();
  static constexpr LinearKernel kQ5_K = make_kernel<Isa, KQuantBlock<Isa, DType::Q5_K, sizeof(quant::BlockQ5_K)>>();
  static constexpr LinearKernel kQ6_K = make_kernel<Isa, KQuantBlock<Isa, DType::Q6_K, sizeof(quant::BlockQ6_K)>>();
  switch (dtype) {
    case DType::Q4_0: return &kQ4_0;
    case DType::Q4_1: return &kQ4_1;
    case DType::Q5_0: return &kQ5_0;
    case DType::Q5_1: return &kQ5_1;
    case DType::Q8_0: return &kQ8_0;
    case DType::Q4_K: return &kQ4_K;
    case DType::Q5_K: return &kQ5_K;
    case DType::Q6_K: return &kQ6_K;
    default: return nullptr;
  }
}

}  // namespace edgeserve::cpu::f32act
