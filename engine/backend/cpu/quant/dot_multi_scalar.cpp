// Scalar multi-token dot kernels: the reference, simply the single-token scalar kernel once per token
// (the scalar path gains nothing from sharing the unpacked weights; it exists so every table is complete).
#include <cstddef>

#include "engine/backend/cpu/quant/dot_impl.h"
#include "engine/backend/cpu/quant/dot_multi_impl.h"
#include "engine/backend/cpu/quant/kernels.h"

namespace edgeserve::quant::detail {
namespace {

template <VecDotFn Dot>
void each_token(int64_t n, const void* w, const void* a0, size_t a_stride, float* out, size_t out_stride) {
  for (int k = 0; k < kMultiTokens; ++k)
    Dot(n, w, static_cast<const uint8_t*>(a0) + k * a_stride, out + k * out_stride);
}

}  // namespace

void vec_dot_x4_q8_0_q8_scalar(int64_t n, const void* w, const void* a0, size_t a_stride, float* out,
                               size_t out_stride) {
  each_token<vec_dot_q8_0_q8_scalar>(n, w, a0, a_stride, out, out_stride);
}

void vec_dot_x4_q4_0_q8_scalar(int64_t n, const void* w, const void* a0, size_t a_stride, float* out,
                               size_t out_stride) {
  each_token<vec_dot_q4_0_q8_scalar>(n, w, a0, a_stride, out, out_stride);
}

void vec_dot_x4_q4_1_q8_scalar(int64_t n, const void* w, const void* a0, size_t a_stride, float* out,
                               size_t out_stride) {
  each_token<vec_dot_q4_1_q8_scalar>(n, w, a0, a_stride, out, out_stride);
}

}  // namespace edgeserve::quant::detail
