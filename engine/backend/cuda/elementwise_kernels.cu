// Row-wise and elementwise kernels of the CUDA backend: embedding lookup, RMS norm (also per head),
// rotary embedding, silu_mul, add, gather_rows, bias add and the F32 -> F16/BF16 narrowing of GEMM
// operands. All math in F32, as the CPU reference (row_ops.cpp) does; simple grid-stride loops.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "engine/backend/cuda/cuda_check.h"
#include "engine/backend/cuda/cuda_kernels.h"
#include "engine/backend/cuda/q8_0.cuh"

namespace edgeserve::cuda {
namespace {

constexpr int kThreads = 256;

int grid_for(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < 65535 ? blocks : 65535);  // grid-stride loops cover the rest
}

__device__ inline float load_as_float(const void* row, DType dtype, int64_t k) {
  switch (dtype) {
    case DType::F16: return __half2float(static_cast<const __half*>(row)[k]);
    case DType::BF16: return __bfloat162float(static_cast<const __nv_bfloat16*>(row)[k]);
    case DType::Q8_0: return q8_0_value(static_cast<const uint8_t*>(row), k);
    default: return static_cast<const float*>(row)[k];
  }
}

__global__ void embedding_kernel(const uint8_t* table, DType dtype, size_t row_bytes, const int32_t* ids,
                                 int64_t hidden, float* out) {
  const int64_t t = blockIdx.x;
  const uint8_t* row = table + static_cast<size_t>(ids[t]) * row_bytes;
  for (int64_t k = threadIdx.x; k < hidden; k += blockDim.x) out[t * hidden + k] = load_as_float(row, dtype, k);
}

// One block per row: sum of squares by a block reduction, then the scaled row.
__global__ void rms_norm_kernel(const float* x, const float* weight, float eps, int64_t n, float* out) {
  __shared__ float warp_sums[32];
  const float* xr = x + blockIdx.x * n;
  float* yr = out + blockIdx.x * n;
  float sum = 0.0f;
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) sum += xr[k] * xr[k];
  for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) warp_sums[warp] = sum;
  __syncthreads();
  if (warp == 0) {
    sum = lane < static_cast<int>(blockDim.x / 32) ? warp_sums[lane] : 0.0f;
    for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
    if (lane == 0) warp_sums[0] = sum;
  }
  __syncthreads();
  const float inv_rms = 1.0f / sqrtf(warp_sums[0] / static_cast<float>(n) + eps);
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) yr[k] = xr[k] * inv_rms * weight[k];
}

// One block per token; threads over (head, pair) of q and k. Angles in double from the F32 product
// position * inv_freq, as the CPU reference computes them.
__global__ void rope_kernel(float* q, int64_t q_heads, float* k, int64_t k_heads, const int32_t* positions,
                            const float* inv_freq, int64_t head_dim, bool neox) {
  const int64_t t = blockIdx.x;
  const int64_t half = head_dim / 2;
  const float pos = static_cast<float>(positions[t]);
  const int64_t q_pairs = q_heads * half, total = (q_heads + k_heads) * half;
  for (int64_t p = threadIdx.x; p < total; p += blockDim.x) {
    const bool is_q = p < q_pairs;
    const int64_t local = is_q ? p : p - q_pairs;
    const int64_t head = local / half, i = local % half;
    float* v = (is_q ? q + t * q_heads * head_dim : k + t * k_heads * head_dim) + head * head_dim;
    const float angle = pos * inv_freq[i];
    const float c = static_cast<float>(cos(static_cast<double>(angle)));
    const float s = static_cast<float>(sin(static_cast<double>(angle)));
    const int64_t ia = neox ? i : 2 * i, ib = neox ? i + half : 2 * i + 1;
    const float a = v[ia], b = v[ib];
    v[ia] = a * c - b * s;
    v[ib] = b * c + a * s;
  }
}

__global__ void silu_mul_kernel(const float* gate, const float* up, int64_t n, float* out) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    const float g = gate[i];
    out[i] = g / (1.0f + expf(-g)) * up[i];
  }
}

__global__ void add_kernel(const float* a, const float* b, int64_t n, float* out) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x)
    out[i] = a[i] + b[i];
}

__global__ void gather_rows_kernel(const float* x, const int32_t* rows, int64_t n, float* out) {
  const int64_t r = blockIdx.x;
  const float* src = x + static_cast<int64_t>(rows[r]) * n;
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) out[r * n + k] = src[k];
}

__global__ void add_bias_kernel(float* y, const float* bias, int64_t total, int64_t out) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total; i += int64_t{gridDim.x} * blockDim.x)
    y[i] += bias[i % out];
}

__global__ void narrow_kernel(const float* src, int64_t n, bool to_bf16, void* dst) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < n; i += int64_t{gridDim.x} * blockDim.x) {
    if (to_bf16)
      static_cast<__nv_bfloat16*>(dst)[i] = __float2bfloat16_rn(src[i]);
    else
      static_cast<__half*>(dst)[i] = __float2half_rn(src[i]);
  }
}

}  // namespace

void launch_embedding(const void* table, DType dtype, size_t row_bytes, const int32_t* ids, int64_t num_tokens,
                      int64_t hidden, float* out, cudaStream_t stream) {
  if (num_tokens == 0) return;
  embedding_kernel<<<static_cast<unsigned>(num_tokens), kThreads, 0, stream>>>(static_cast<const uint8_t*>(table),
                                                                               dtype, row_bytes, ids, hidden, out);
  ES_CUDA_CHECK_LAUNCH();
}

void launch_rms_norm(const float* x, const float* weight, float eps, int64_t rows, int64_t n, float* out,
                     cudaStream_t stream) {
  if (rows == 0) return;
  const int threads = n >= 256 ? 256 : (n > 64 ? 128 : 32);  // whole warps; short rows (heads) use fewer
  rms_norm_kernel<<<static_cast<unsigned>(rows), threads, 0, stream>>>(x, weight, eps, n, out);
  ES_CUDA_CHECK_LAUNCH();
}

void launch_rope(float* q, int64_t q_heads, float* k, int64_t k_heads, int64_t num_tokens, const int32_t* positions,
                 const float* inv_freq, int64_t head_dim, bool neox, cudaStream_t stream) {
  if (num_tokens == 0) return;
  rope_kernel<<<static_cast<unsigned>(num_tokens), kThreads, 0, stream>>>(q, q_heads, k, k_heads, positions,
                                                                         inv_freq, head_dim, neox);
  ES_CUDA_CHECK_LAUNCH();
}

void launch_silu_mul(const float* gate, const float* up, int64_t n, float* out, cudaStream_t stream) {
  if (n == 0) return;
  silu_mul_kernel<<<grid_for(n), kThreads, 0, stream>>>(gate, up, n, out);
  ES_CUDA_CHECK_LAUNCH();
}

void launch_add(const float* a, const float* b, int64_t n, float* out, cudaStream_t stream) {
  if (n == 0) return;
  add_kernel<<<grid_for(n), kThreads, 0, stream>>>(a, b, n, out);
  ES_CUDA_CHECK_LAUNCH();
}

void launch_gather_rows(const float* x, const int32_t* rows, int64_t num_rows, int64_t n, float* out,
                        cudaStream_t stream) {
  if (num_rows == 0) return;
  gather_rows_kernel<<<static_cast<unsigned>(num_rows), kThreads, 0, stream>>>(x, rows, n, out);
  ES_CUDA_CHECK_LAUNCH();
}

void launch_add_bias(float* y, const float* bias, int64_t num_tokens, int64_t out, cudaStream_t stream) {
  const int64_t total = num_tokens * out;
  if (total == 0) return;
  add_bias_kernel<<<grid_for(total), kThreads, 0, stream>>>(y, bias, total, out);
  ES_CUDA_CHECK_LAUNCH();
}

void launch_narrow_f32(const float* src, int64_t n, bool to_bf16, void* dst, cudaStream_t stream) {
  if (n == 0) return;
  narrow_kernel<<<grid_for(n), kThreads, 0, stream>>>(src, n, to_bf16, dst);
  ES_CUDA_CHECK_LAUNCH();
}

}  // namespace edgeserve::cuda
