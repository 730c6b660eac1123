#pragma once
// Internal: the per-ISA kernel functions that kernels.cpp puts into the QuantKernels tables.
// Not for callers outside engine/backend/cpu/quant (they go through quant_kernels()). An AVX2/AVX-512
// function may only be called when cpu_supports() says so.
#include <cstdint>

namespace edgeserve::quant::detail {

#define ES_DECLARE_VEC_DOTS(suffix)                                                 \
  void vec_dot_q8_0_q8_##suffix(int64_t n, const void* w, const void* a, float* out); \
  void vec_dot_q4_0_q8_##suffix(int64_t n, const void* w, const void* a, float* out); \
  void vec_dot_q4_1_q8_##suffix(int64_t n, const void* w, const void* a, float* out); \
  void vec_dot_f32_##suffix(int64_t n, const void* w, const void* a, float* out);     \
  void vec_dot_f16_##suffix(int64_t n, const void* w, const void* a, float* out);     \
  void vec_dot_bf16_##suffix(int64_t n, const void* w, const void* a, float* out);

ES_DECLARE_VEC_DOTS(scalar)
ES_DECLARE_VEC_DOTS(avx2)
ES_DECLARE_VEC_DOTS(avx512)
#undef ES_DECLARE_VEC_DOTS

// Scalar and AVX2 only (no AVX-512 version yet): the 5-bit and K-quant formats.
#define ES_DECLARE_VEC_DOTS_5BIT_K(suffix)                                          \
  void vec_dot_q5_0_q8_##suffix(int64_t n, const void* w, const void* a, float* out); \
  void vec_dot_q5_1_q8_##suffix(int64_t n, const void* w, const void* a, float* out); \
  void vec_dot_q4_k_q8_##suffix(int64_t n, const void* w, const void* a, float* out); \
  void vec_dot_q5_k_q8_##suffix(int64_t n, const void* w, const void* a, float* out); \
  void vec_dot_q6_k_q8_##suffix(int64_t n, const void* w, const void* a, float* out);

ES_DECLARE_VEC_DOTS_5BIT_K(scalar)
ES_DECLARE_VEC_DOTS_5BIT_K(avx2)
#undef ES_DECLARE_VEC_DOTS_5BIT_K

// The AVX-512 Q8_0 activation quantizer (quantize_avx512.cpp); the other levels use quantize_row_q8_0.
void quantize_row_q8_0_avx512(const float* x, void* dst, int64_t n);

}  // namespace edgeserve::quant::detail
