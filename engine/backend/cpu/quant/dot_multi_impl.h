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
#undef ES_DECLARE_VEC_DOTS_X4

// AVX-512: Q4_1 only; Q8_0 and Q4_0 have the rows kernels (dot_rows_avx512.cpp) instead.
void vec_dot_x4_q4_1_q8_avx512(int64_t n, const void* w, const void* a0, size_t a_stride, float* out,
                               size_t out_stride);

// Many weight rows x 1..4 tokens; AVX-512 (VNNI) and Q8_0/Q4_0 only (dot_rows_avx512.cpp).
void vec_dot_rows_q8_0_q8_avx512(int64_t n, const void* w0, size_t w_stride, int64_t num_rows, const void* act0,
                                 size_t act_stride, int num_tokens, float* out, size_t out_stride);
void vec_dot_rows_q4_0_q8_avx512(int64_t n, const void* w0, size_t w_stride, int64_t num_rows, const void* act0,
                                 size_t act_stride, int num_tokens, float* out, size_t out_stride);

// Weight rows x activation tiles (act_tile.h); AVX-512 (VNNI) and Q8_0/Q4_0 only (dot_tile_avx512.cpp).
void vec_dot_tile_q8_0_q8_avx512(int64_t n, const void* w0, size_t w_stride, int64_t num_rows, const void* tiles,
                                 int64_t num_tiles, size_t tile_stride, int last_tile_tokens, float* out,
                                 size_t out_stride);
void vec_dot_tile_q4_0_q8_avx512(int64_t n, const void* w0, size_t w_stride, int64_t num_rows, const void* tiles,
                                 int64_t num_tiles, size_t tile_stride, int last_tile_tokens, float* out,
                                 size_t out_stride);

}  // namespace edgeserve::quant::detail
