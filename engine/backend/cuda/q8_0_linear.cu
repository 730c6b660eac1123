// Weight-only Q8_0 linear (W8, F32 activations): y[t, o] = sum_k x[t, k] * d_b * q_k (+ bias[o]), the
// weight dequantized on the fly in registers; F32 accumulation, no activation quantization (the CPU's
// dequantize-reference computation). One warp per output row, looping over the tokens so the row stays in
// L1/L2; lane l reads element l of each 32-element block. Simple and correct, tuned for nothing.
#include "engine/backend/cuda/cuda_check.h"
#include "engine/backend/cuda/cuda_kernels.h"
#include "engine/backend/cuda/q8_0.cuh"

namespace edgeserve::cuda {
namespace {

constexpr int kWarpsPerBlock = 4;

__global__ void q8_0_linear_kernel(const float* x, const uint8_t* w, size_t row_bytes, const float* bias,
                                   int64_t num_tokens, int64_t in, int64_t out, float* y) {
  const int64_t o = static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (o >= out) return;  // whole warps exit together: the shuffles below see full warps
  const uint8_t* row = w + static_cast<size_t>(o) * row_bytes;
  const int64_t num_blocks = in / kQ8_0BlockElements;
  for (int64_t t = 0; t < num_tokens; ++t) {
    const float* xt = x + t * in;
    float sum = 0.0f;
    for (int64_t b = 0; b < num_blocks; ++b) {
      const uint8_t* block = row + b * kQ8_0BlockBytes;
      const float value = q8_0_scale(block) * static_cast<float>(static_cast<int8_t>(block[2 + lane]));
      sum += xt[b * kQ8_0BlockElements + lane] * value;
    }
    for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
    if (lane == 0) y[t * out + o] = sum + (bias != nullptr ? bias[o] : 0.0f);
  }
}

}  // namespace

void launch_q8_0_linear(const float* x, const uint8_t* w, size_t row_bytes, const float* bias, int64_t num_tokens,
                        int64_t in, int64_t out, float* y, cudaStream_t stream) {
  if (num_tokens == 0 || out == 0) return;
  const unsigned grid = static_cast<unsigned>((out + kWarpsPerBlock - 1) / kWarpsPerBlock);
  q8_0_linear_kernel<<<grid, kWarpsPerBlock * 32, 0, stream>>>(x, w, row_bytes, bias, num_tokens, in, out, y);
  ES_CUDA_CHECK_LAUNCH();
}

}  // namespace edgeserve::cuda
