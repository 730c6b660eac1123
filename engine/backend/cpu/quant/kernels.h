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
// Two weight rows (w_row0, w_row0 + w_stride bytes) x kMultiTokens tokens: out[r + k * out_stride] for row
// r in {0, 1} and token k; each activation block is also loaded once for both rows. Same exactness.
using VecDot2x4Fn = void (*)(int64_t n, const void* w_row0, size_t w_stride, const void* act0, size_t act_stride,
                             float* out, size_t out_stride);

// Tokens per activation tile (act_tile.h): one int32 lane per token in a 512-bit register.
inline constexpr int kTileTokens = 16;
// Batched GEMM: num_rows weight rows (w_row0 + r * w_stride bytes) x num_tiles activation tiles (tiles +
// g * tile_stride bytes, written by pack_act_tile_token): out[r + (g * kTileTokens + k) * out_stride] for row
// r and token k of tile g. Each weight row's per-block terms are prepared once for all the tiles, and
// every weight byte broadcast feeds kTileTokens tokens; each result equals the same table's vec_dot on
// that token's Q8_0 row exactly, so a row's output never depends on the batch it is computed in.
using VecDotTileFn = void (*)(int64_t n, const void* w_row0, size_t w_stride, int64_t num_rows, const void* tiles,
                              int64_t num_tiles, size_t tile_stride, float* out, size_t out_stride);

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
  // Two-row multi-token kernel: AVX-512 Q8_0 only (elsewhere nullptr: callers use vec_dot_x4 per row;
  // for the 4-bit formats two rows at once measured slower than one).
  VecDot2x4Fn vec_dot_2x4_q8_0_q8 = nullptr;
  // Tile kernels: AVX-512 (VNNI) Q8_0 and Q4_0 only; elsewhere nullptr (callers use vec_dot_x4).
  VecDotTileFn vec_dot_tile_q8_0_q8 = nullptr;
  VecDotTileFn vec_dot_tile_q4_0_q8 = nullptr;
  QuantizeRowFn quantize_act_q8_0 = nullptr;  // the activation side of the Q8_0 dots (never null)

  // The kernel for weights of `weight`; nullptr when the weight dtype has none.
  VecDotFn vec_dot(DType weight) const;
  // The multi-token kernel for weights of `weight`; nullptr when the weight dtype has none.
  VecDotX4Fn vec_dot_x4(DType weight) const;
  // The two-row multi-token kernel for weights of `weight`; nullptr when this level has none.
  VecDot2x4Fn vec_dot_2x4(DType weight) const;
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
