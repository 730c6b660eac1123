#pragma once
// Internal: the per-ISA multi-token dot kernels (one weight row x kMultiTokens activation rows) that
// kernels.cpp puts into the QuantKernels tables. Not for callers outside engine/backend/cpu/quant.
// Each kernel's result for token k equals the same level's single-token kernel on that token bit for bit:
// the integer block sums are exact and the float accumulation keeps the single kernel's order.
#include <cstddef>
#include <cstdint>

namespace edgeserve::quant::detail {

#define ES_DECLARE_VEC_DOTS_X4(suffix)                                                                    \
  void vec_dot_x4_q8_0_q8_##suffix(int64_t n, const void* w, const void* a0, size_t a_stride, float* out, \
                                   size_t out_stride);                                                    \
  void vec_dot_x4_q4_0_q8_##suffix(int64_t n, const void* w, const void* a0, size_t a_stride, float* out, \
                                   size_t out_stride);                                                    \
  void vec_dot_x4_q4_1_q8_##suffix(int64_t n, const void* w, const void* a0, size_t a_stride, float* out, \
                                   size_t out_stride);

ES_DECLARE_VEC_DOTS_X4(scalar)
ES_DECLARE_VEC_DOTS_X4(avx2)
ES_DECLARE_VEC_DOTS_X4(avx512)
#undef ES_DECLARE_VEC_DOTS_X4

// Two weight rows (w_stride bytes apart) x kMultiTokens tokens; AVX-512 and Q8_0 only.
void vec_dot_2x4_q8_0_q8_avx512(int64_t n, const void* w0, size_t w_stride, const void* a0, size_t a_stride,
                                float* out, size_t out_stride);

// Weight rows x activation tiles (act_tile.h); AVX-512 (VNNI) and Q8_0/Q4_0 only (dot_tile_avx512.cpp).
void vec_dot_tile_q8_0_q8_avx512(int64_t n, const void* w0, size_t w_stride, int64_t num_rows, const void* tiles,
                                 int64_t num_tiles, size_t tile_stride, float* out, size_t out_stride);
void vec_dot_tile_q4_0_q8_avx512(int64_t n, const void* w0, size_t w_stride, int64_t num_rows, const void* tiles,
                                 int64_t num_tiles, size_t tile_stride, float* out, size_t out_stride);

}  // namespace edgeserve::quant::detail
