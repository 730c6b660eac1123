// store_kv on the GPU: row t of this step's K/V goes to cache slot slots[t] (block * block_size + offset) of
// [num_blocks, block_size, n_kv_heads, head_dim] caches, F32 as is or F16 rounded to nearest even (the CPU's
// narrow_row). A negative slot (padding token) stores nothing. Slots were range-checked by CudaBackend.
#include <cuda_fp16.h>

#include "engine/backend/cuda/cuda_check.h"
#include "engine/backend/cuda/cuda_kernels.h"

namespace edgeserve::cuda {
namespace {

template <typename T>
__device__ inline T narrow(float x);
template <>
__device__ inline float narrow<float>(float x) { return x; }
template <>
__device__ inline __half narrow<__half>(float x) { return __float2half_rn(x); }

template <typename T>
__global__ void store_kv_kernel(const float* k, const float* v, const int64_t* slots, int64_t row, T* k_cache,
                                T* v_cache) {
  const int64_t t = blockIdx.x;
  const int64_t slot = slots[t];
  if (slot < 0) return;
  for (int64_t d = threadIdx.x; d < row; d += blockDim.x) {
    k_cache[slot * row + d] = narrow<T>(k[t * row + d]);
    v_cache[slot * row + d] = narrow<T>(v[t * row + d]);
  }
}

}  // namespace

void launch_store_kv(const float* k, const float* v, const int64_t* slots, int64_t num_tokens, int64_t row,
                     DType cache_dtype, void* k_cache, void* v_cache, cudaStream_t stream) {
  if (num_tokens == 0) return;
  const unsigned grid = static_cast<unsigned>(num_tokens);
  if (cache_dtype == DType::F16)
    store_kv_kernel<__half><<<grid, 256, 0, stream>>>(k, v, slots, row, static_cast<__half*>(k_cache),
                                                      static_cast<__half*>(v_cache));
  else
    store_kv_kernel<float><<<grid, 256, 0, stream>>>(k, v, slots, row, static_cast<float*>(k_cache),
                                                     static_cast<float*>(v_cache));
  ES_CUDA_CHECK_LAUNCH();
}

}  // namespace edgeserve::cuda
