// Paged causal attention with GQA on the GPU, the simple correct kernel: one thread block per (token, query
// head). New token i of sequence s (q_len new tokens, context_len cached after store_kv) sees keys
// [0, context_len - q_len + i], read through the sequence's block table, so prefill, chunked-prefill and
// decode rows mix freely in one launch. Each warp of the block takes every kWarps-th key and keeps its own
// online-softmax state (running max, sum of weights, F32 accumulator of head_dim / 32 values per lane);
// the warps' states are merged at the end. Not tuned: no K/V sharing across the heads of a GQA group.
#include <cuda_fp16.h>

#include <cfloat>

#include "engine/backend/cuda/cuda_check.h"
#include "engine/backend/cuda/cuda_kernels.h"

namespace edgeserve::cuda {
namespace {

constexpr int kWarps = 4;
constexpr int kDimsPerLane = static_cast<int>(kMaxAttentionHeadDim / 32);

template <typename T>
__device__ inline float widen(T x);
template <>
__device__ inline float widen<float>(float x) { return x; }
template <>
__device__ inline float widen<__half>(__half x) { return __half2float(x); }

// The sequence holding flattened token t: the last s with query_start[s] <= t (sequences may be empty).
__device__ inline int find_sequence(const int32_t* query_start, int num_seqs, int64_t t) {
  int lo = 0, hi = num_seqs - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (query_start[mid] <= t) lo = mid; else hi = mid - 1;
  }
  return lo;
}

template <typename T>
__global__ void paged_attention_kernel(PagedAttentionParams p) {
  extern __shared__ float shared[];
  float* q_shared = shared;                          // [head_dim]
  float* acc_shared = shared + p.head_dim;           // [kWarps, head_dim]
  float* max_shared = acc_shared + kWarps * p.head_dim;  // [kWarps]
  float* sum_shared = max_shared + kWarps;           // [kWarps]

  const int64_t t = blockIdx.x, head = blockIdx.y;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t hd = p.head_dim;
  const int64_t kv_head = head / (p.n_heads / p.n_kv_heads);
  const int s = find_sequence(p.query_start, p.num_seqs, t);
  const int64_t q_len = p.query_start[s + 1] - p.query_start[s];
  const int64_t i = t - p.query_start[s];
  const int64_t num_keys = p.context_lens[s] - q_len + i + 1;
  const int32_t* block_table = p.block_tables + static_cast<int64_t>(s) * p.max_blocks_per_seq;
  const T* k_cache = static_cast<const T*>(p.k_cache);
  const T* v_cache = static_cast<const T*>(p.v_cache);
  const int64_t kv_row = p.n_kv_heads * hd;  // elements of one cache slot

  const float* q = p.q + (t * p.n_heads + head) * hd;
  for (int64_t d = threadIdx.x; d < hd; d += blockDim.x) q_shared[d] = q[d];
  __syncthreads();

  float running_max = -FLT_MAX, running_sum = 0.0f;
  float acc[kDimsPerLane];
#pragma unroll
  for (int r = 0; r < kDimsPerLane; ++r) acc[r] = 0.0f;

  for (int64_t j = warp; j < num_keys; j += kWarps) {
    const int64_t slot = static_cast<int64_t>(block_table[j / p.block_size]) * p.block_size + j % p.block_size;
    const T* k = k_cache + slot * kv_row + kv_head * hd;
    const T* v = v_cache + slot * kv_row + kv_head * hd;
    float dot = 0.0f;
#pragma unroll
    for (int r = 0; r < kDimsPerLane; ++r) {
      const int64_t d = lane + 32 * r;
      if (d < hd) dot += q_shared[d] * widen<T>(k[d]);
    }
    for (int offset = 16; offset > 0; offset >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, offset);
    const float score = dot * p.scale;
    const float new_max = fmaxf(running_max, score);
    const float correction = expf(running_max - new_max);
    const float weight = expf(score - new_max);
    running_sum = running_sum * correction + weight;
#pragma unroll
    for (int r = 0; r < kDimsPerLane; ++r) {
      const int64_t d = lane + 32 * r;
      if (d < hd) acc[r] = acc[r] * correction + weight * widen<T>(v[d]);
    }
    running_max = new_max;
  }

  // Merge the warps: rescale each warp's state to the common maximum (a warp without keys weighs 0).
  if (lane == 0) {
    max_shared[warp] = running_max;
    sum_shared[warp] = running_sum;
  }
#pragma unroll
  for (int r = 0; r < kDimsPerLane; ++r) {
    const int64_t d = lane + 32 * r;
    if (d < hd) acc_shared[warp * hd + d] = acc[r];
  }
  __syncthreads();
  float global_max = -FLT_MAX;
  for (int w = 0; w < kWarps; ++w) global_max = fmaxf(global_max, max_shared[w]);
  float total = 0.0f;
  float factor[kWarps];
  for (int w = 0; w < kWarps; ++w) {
    factor[w] = sum_shared[w] > 0.0f ? expf(max_shared[w] - global_max) : 0.0f;
    total += sum_shared[w] * factor[w];
  }
  float* out = p.out + (t * p.n_heads + head) * hd;
  for (int64_t d = threadIdx.x; d < hd; d += blockDim.x) {
    float value = 0.0f;
    for (int w = 0; w < kWarps; ++w) value += acc_shared[w * hd + d] * factor[w];
    out[d] = value / total;  // total > 0: every token sees at least itself
  }
}

}  // namespace

void launch_paged_attention(const PagedAttentionParams& p, cudaStream_t stream) {
  if (p.num_tokens == 0 || p.n_heads == 0) return;
  const dim3 grid(static_cast<unsigned>(p.num_tokens), static_cast<unsigned>(p.n_heads));
  const size_t shared_bytes = static_cast<size_t>((1 + kWarps) * p.head_dim + 2 * kWarps) * sizeof(float);
  if (p.kv_dtype == DType::F16)
    paged_attention_kernel<__half><<<grid, kWarps * 32, shared_bytes, stream>>>(p);
  else
    paged_attention_kernel<float><<<grid, kWarps * 32, shared_bytes, stream>>>(p);
  ES_CUDA_CHECK_LAUNCH();
}

}  // namespace edgeserve::cuda
