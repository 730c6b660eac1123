#pragma once
// The dot-product kernel family the CPU matmuls call, and its run-time selection by ISA level.
// A kernel computes *out = dot(weight row, activation row) over n elements: quantized weights take
// activations quantized per block (Q8_0 for the 32-element formats, Q8_K for K-quants, see
// activation_dtype()); F32/F16/BF16 weights take F32 activations. Owns no memory; never allocates.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/tensor.h"

namespace edgeserve::quant {

enum class CpuIsa { Scalar, Avx2, Avx512 };  // lowest to highest

std::string_view cpu_isa_name(CpuIsa isa);
// Whether this CPU (and OS) runs the kernels of `isa`: AVX2 needs AVX2+FMA+F16C; AVX-512 needs
// F, BW, VL and VNNI.
bool cpu_supports(CpuIsa isa);

// n: elements, a multiple of the weight's block size. w_row, act: rows of n elements in their dtypes.
using VecDotFn = void (*)(int64_t n, const void* w_row, const void* act, float* out);

// Tokens per multi-token kernel call.
inline constexpr int kMultiTokens = 4;
// out[k * out_stride] = dot(w_row, activation row k) for k in [0, kMultiTokens), activation row k at
// act0 + k * act_stride bytes. Unpacks each weight block once for all the tokens (prefill is bound by
// that unpacking, not by memory); each result equals the same table's vec_dot on that token exactly.
using VecDotX4Fn = void (*)(int64_t n, const void* w_row, const void* act0, size_t act_stride, float* out,
                            size_t out_stride);
// Tokens per call of a rows kernel at most.
inline constexpr int kMaxRowsKernelTokens = 4;
// Rows kernel (the mat-vec of decode): out[t * out_stride + r] = dot(weight row r, token t) for r in
// [0, num_rows) and t in [0, num_tokens) (1..kMaxRowsKernelTokens), row r at w_row0 + r * w_stride bytes,
// token t's Q8_0 row at act0 + t * act_stride bytes: one pass over the weights for all the tokens.
// AVX-512 Q8_0/Q4_0 only, in the block-sum arithmetic below.
using VecDotRowsFn = void (*)(int64_t n, const void* w_row0, size_t w_stride, int64_t num_rows, const void* act0,
                              size_t act_stride, int num_tokens, float* out, size_t out_stride);

// Tokens per activation tile (act_tile.h): one int32 lane per token in a 512-bit register.
inline constexpr int kTileTokens = 16;
// Batched GEMM: num_rows weight rows (w_row0 + r * w_stride bytes) x num_tiles activation tiles (tiles +
// g * tile_stride bytes, written by pack_act_tile_token): out[r + (g * kTileTokens + k) * out_stride] for row
// r and token k of tile g, every tile full but the last, of which only its first last_tile_tokens tokens
// (1..kTileTokens) are written. Every weight byte broadcast feeds kTileTokens tokens.
//
// The block-sum arithmetic of the AVX-512 Q8_0/Q4_0 rows and tile kernels (int8_weights_avx512.h): per
// (row, token) an exact int32 dot per block, then acc = fma(dw_b * da_b, float(isum_b), acc) over the blocks
// in order. Both kernels do exactly these float operations, so a token's output equals the rows kernel's
// (and vec_dot's) bit for bit whatever batch or tile slot it is computed in.
using VecDotTileFn = void (*)(int64_t n, const void* w_row0, size_t w_stride, int64_t num_rows, const void* tiles,
                              int64_t num_tiles, size_t tile_stride, int last_tile_tokens, float* out,
                              size_t out_stride);

// Quantizes an F32 activation row of n elements (a multiple of 32) to Q8_0: exactly the bytes of the
// reference quantize_row_q8_0 (quantize.h) at every level, only faster where the level has its own.
using QuantizeRowFn = void (*)(const float* x, void* dst, int64_t n);

struct QuantKernels {
  CpuIsa isa = CpuIsa::Scalar;
  VecDotFn vec_dot_q8_0_q8 = nullptr;
  VecDotFn vec_dot_q4_0_q8 = nullptr;
  VecDotFn vec_dot_q4_1_q8 = nullptr;
  VecDotFn vec_dot_q5_0_q8 = nullptr;
  VecDotFn vec_dot_q5_1_q8 = nullptr;
  VecDotFn vec_dot_q4_k_q8 = nullptr;  // activations Q8_K
  VecDotFn vec_dot_q5_k_q8 = nullptr;  // activations Q8_K
  VecDotFn vec_dot_q6_k_q8 = nullptr;  // activations Q8_K
  VecDotFn vec_dot_f32 = nullptr;      // activations F32
  VecDotFn vec_dot_f16 = nullptr;      // activations F32
  VecDotFn vec_dot_bf16 = nullptr;     // activations F32
  // Multi-token kernels (activations Q8_0); other dtypes have none and go token by token.
  VecDotX4Fn vec_dot_x4_q8_0_q8 = nullptr;
  VecDotX4Fn vec_dot_x4_q4_0_q8 = nullptr;
  VecDotX4Fn vec_dot_x4_q4_1_q8 = nullptr;
  // Rows and tile kernels: AVX-512 (VNNI) Q8_0 and Q4_0 only, which then have no vec_dot_x4 (it would
  // not share their arithmetic); elsewhere nullptr (callers use vec_dot_x4 and vec_dot).
  VecDotRowsFn vec_dot_rows_q8_0_q8 = nullptr;
  VecDotRowsFn vec_dot_rows_q4_0_q8 = nullptr;
  VecDotTileFn vec_dot_tile_q8_0_q8 = nullptr;
  VecDotTileFn vec_dot_tile_q4_0_q8 = nullptr;
  QuantizeRowFn quantize_act_q8_0 = nullptr;  // the activation side of the Q8_0 dots (never null)

  // The kernel for weights of `weight`; nullptr when the weight dtype has none.
  VecDotFn vec_dot(DType weight) const;
  // The multi-token kernel for weights of `weight`; nullptr when the weight dtype has none.
  VecDotX4Fn vec_dot_x4(DType weight) const;
  // The rows kernel for weights of `weight`; nullptr when this level has none.
  VecDotRowsFn vec_dot_rows(DType weight) const;
  // The tile kernel for weights of `weight`; nullptr when this level has none.
  VecDotTileFn vec_dot_tile(DType weight) const;
};

// Q8_0 for Q4_0..Q8_0 weights, Q8_K for Q4_K/Q5_K/Q6_K, F32 for F32/F16/BF16. Throws
// std::invalid_argument for a weight dtype without a kernel.
DType activation_dtype(DType weight);
// True when quant_kernels().vec_dot(weight) exists.
bool has_vec_dot(DType weight);

// The table for the highest level this CPU supports, or the level named by EDGESERVE_CPU_ISA
// (scalar|avx2|avx512; capped at what the CPU supports, with a warning on stderr). Chosen once.
const QuantKernels& quant_kernels();
// The table of exactly `isa`. Throws std::runtime_error when the CPU does not support it.
const QuantKernels& quant_kernels_for(CpuIsa isa);

}  // namespace edgeserve::quant
