// Paged causal attention with GQA on the GPU, the simple correct kernel: one thread block per (token, query
// head). New token i of sequence s (q_len new tokens, context_len cached after store_kv) sees keys
// [0, context_len - q_len + i], read through the sequence's block table, so prefill, chunked-prefill and
// decode rows mix freely in one launch. Each warp of the block takes every kWarps-th key and keeps its own
// online-softmax state (running max, sum of weights, F32 accumulator of head_dim / 32 values per lane);
// the warps' states are merged at the end. Not tuned: no K/V sharing across the heads of a GQA group.
// Split-K (attention_split.h decides when): the same block code over one partition of the row's keys writes
// its unnormalised state (max, sum, acc) to scratch, and a reduce kernel merges the row's partitions with
// the same rescaling the warps' merge uses. Same math, another summation order: F32 rounding differences only.
// Tiled (the default unsplit path, PagedAttentionParams::tiles): one block per (query tile, KV head, head
// chunk) shares each K/V chunk across the tile's rows and the GQA group's heads; its device code is
// tiled_attention.cuh, wrapped here. The one-block-per-(token, head) kernel stays selectable for comparison.
#include <cuda_fp16.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cfloat>
#include <climits>

#include "engine/backend/cuda/attention_split.h"
#include "engine/backend/cuda/cuda_check.h"
#include "engine/backend/cuda/cuda_kernels.h"
#include "engine/backend/cuda/tiled_attention.cuh"

namespace edgeserve::cuda {
namespace {

constexpr int kWarps = 4;
constexpr int kDimsPerLane = static_cast<int>(kMaxAttentionHeadDim / 32);

// The sequence holding flattened token t: the last s with query_start[s] <= t (sequences may be empty).
__device__ inline int find_sequence(const int32_t* query_start, int num_seqs, int64_t t) {
  int lo = 0, hi = num_seqs - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (query_start[mid] <= t) lo = mid; else hi = mid - 1;
  }
  return lo;
}

// Where row t's keys come from: its sequence's block table and how many keys it sees (causal).
struct RowKeys {
  const int32_t* block_table;  // [max_blocks_per_seq]
  int64_t num_keys;            // context_len - q_len + i + 1 >= 1
};

__device__ inline RowKeys row_keys(const PagedAttentionParams& p, int64_t t) {
  const int s = find_sequence(p.query_start, p.num_seqs, t);
  const int64_t q_len = p.query_start[s + 1] - p.query_start[s];
  const int64_t i = t - p.query_start[s];
  return {p.block_tables + static_cast<int64_t>(s) * p.max_blocks_per_seq, p.context_lens[s] - q_len + i + 1};
}

// The block's merged online-softmax state over its keys: every thread gets max, sum and the warps' rescale
// factors; the unnormalised accumulator of dimension d is sum_w acc_shared[w * head_dim + d] * factor[w].
struct BlockState {
  float max;
  float sum;  // > 0 when the block saw at least one key
  float factor[kWarps];
};

// Shared memory of attend_keys: q [head_dim], per-warp acc [kWarps, head_dim], max [kWarps], sum [kWarps].
__host__ __device__ inline size_t attend_shared_floats(int64_t head_dim) {
  return static_cast<size_t>((1 + kWarps) * head_dim + 2 * kWarps);
}

// Attention of query (t, head) over keys [key_begin, key_end) of its row, by the whole thread block (all
// threads must call it). Leaves the warps' accumulators in `shared` (see BlockState); ends synchronized.
template <typename T>
__device__ BlockState attend_keys(const PagedAttentionParams& p, int64_t t, int64_t head, const int32_t* block_table,
                                  int64_t key_begin, int64_t key_end, float* shared) {
  float* q_shared = shared;                              // [head_dim]
  float* acc_shared = shared + p.head_dim;               // [kWarps, head_dim]
  float* max_shared = acc_shared + kWarps * p.head_dim;  // [kWarps]
  float* sum_shared = max_shared + kWarps;               // [kWarps]

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t hd = p.head_dim;
  const int64_t kv_head = head / (p.n_heads / p.n_kv_heads);
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

  for (int64_t j = key_begin + warp; j < key_end; j += kWarps) {
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
  BlockState state;
  state.max = -FLT_MAX;
  for (int w = 0; w < kWarps; ++w) state.max = fmaxf(state.max, max_shared[w]);
  state.sum = 0.0f;
  for (int w = 0; w < kWarps; ++w) {
    state.factor[w] = sum_shared[w] > 0.0f ? expf(max_shared[w] - state.max) : 0.0f;
    state.sum += sum_shared[w] * state.factor[w];
  }
  return state;
}

__device__ inline float merged_acc(const BlockState& state, const float* shared, int64_t head_dim, int64_t d) {
  const float* acc_shared = shared + head_dim;
  float value = 0.0f;
  for (int w = 0; w < kWarps; ++w) value += acc_shared[w * head_dim + d] * state.factor[w];
  return value;
}

// Unsplit: grid [T, n_heads]; the block takes all of row t's keys and writes the normalised output.
template <typename T>
__global__ void paged_attention_kernel(PagedAttentionParams p) {
  extern __shared__ float shared[];
  const int64_t t = blockIdx.x, head = blockIdx.y;
  const RowKeys row = row_keys(p, t);
  const BlockState state = attend_keys<T>(p, t, head, row.block_table, 0, row.num_keys, shared);
  float* out = p.out + (t * p.n_heads + head) * p.head_dim;
  for (int64_t d = threadIdx.x; d < p.head_dim; d += blockDim.x)
    out[d] = merged_acc(state, shared, p.head_dim, d) / state.sum;  // sum > 0: every token sees itself
}

// Split: grid [T, n_heads, num_partitions]; block z takes keys [z * partition_size, ...) of row t and
// writes its unnormalised state. Partitions past the row's last key write nothing (the reduce skips them).
template <typename T>
__global__ void paged_attention_split_kernel(PagedAttentionParams p) {
  extern __shared__ float shared[];
  const int64_t t = blockIdx.x, head = blockIdx.y, partition = blockIdx.z;
  const RowKeys row = row_keys(p, t);
  const int64_t key_begin = partition * p.partition_size;
  if (key_begin >= row.num_keys) return;  // uniform across the block: no thread reaches a barrier
  const int64_t key_end = key_begin + p.partition_size < row.num_keys ? key_begin + p.partition_size : row.num_keys;
  const BlockState state = attend_keys<T>(p, t, head, row.block_table, key_begin, key_end, shared);
  const int64_t at = (t * p.n_heads + head) * p.num_partitions + partition;
  float* partial = p.partial_out + at * p.head_dim;
  for (int64_t d = threadIdx.x; d < p.head_dim; d += blockDim.x) partial[d] = merged_acc(state, shared, p.head_dim, d);
  if (threadIdx.x == 0) {
    p.partial_max[at] = state.max;
    p.partial_sum[at] = state.sum;  // > 0: the partition holds at least one key
  }
}

// Reduce: grid [T, n_heads]; merges row t's ceil(num_keys / partition_size) partitions as the warps' merge
// does: out = sum_i acc_i * exp(max_i - max) / sum_i sum_i * exp(max_i - max). Each thread walks the
// partitions itself (a few per thousand keys): no shared memory, no limit on the partition count.
__global__ void paged_attention_reduce_kernel(PagedAttentionParams p) {
  const int64_t t = blockIdx.x, head = blockIdx.y;
  const int64_t num_keys = row_keys(p, t).num_keys;
  const int64_t num_parts = (num_keys + p.partition_size - 1) / p.partition_size;
  const int64_t first = (t * p.n_heads + head) * p.num_partitions;
  float global_max = -FLT_MAX;
  for (int64_t i = 0; i < num_parts; ++i) global_max = fmaxf(global_max, p.partial_max[first + i]);
  float total = 0.0f;
  for (int64_t i = 0; i < num_parts; ++i)
    total += p.partial_sum[first + i] * expf(p.partial_max[first + i] - global_max);
  float* out = p.out + (t * p.n_heads + head) * p.head_dim;
  for (int64_t d = threadIdx.x; d < p.head_dim; d += blockDim.x) {
    float value = 0.0f;
    for (int64_t i = 0; i < num_parts; ++i)
      value += p.partial_out[(first + i) * p.head_dim + d] * expf(p.partial_max[first + i] - global_max);
    out[d] = value / total;
  }
}

// Tiled: grid [num_tiles, n_kv_heads * head_chunks]; kDims == dims_per_lane(head_dim) sizes the registers.
template <typename T, int kDims>
__global__ void __launch_bounds__(tiled::kThreads) paged_attention_tiled_kernel(PagedAttentionParams p) {
  extern __shared__ float shared[];
  tiled::attend_tile<T, kDims, tiled::key_chunk(kDims)>(p, shared);
}

template <typename T, int kDims>
void launch_tiled(const PagedAttentionParams& p, cudaStream_t stream) {
  const auto kernel = paged_attention_tiled_kernel<T, kDims>;
  const size_t bytes = static_cast<size_t>(tiled::shared_bytes(p.head_dim));
  if (bytes > static_cast<size_t>(tiled::kDefaultSharedBytes)) {
    // Past 48 KiB (head_dim > 256) a kernel opts in, once per device, for the most this instance can use.
    // Its first launch on a device is eager (step graphs record a step eagerly before capturing it), so the
    // call never lands inside a stream capture.
    static std::atomic<uint64_t> opted_in{0};  // bit d: device d done
    int device = 0;
    ES_CUDA_CHECK(cudaGetDevice(&device));
    const uint64_t bit = device < 64 ? uint64_t{1} << device : 0;
    if (bit == 0 || (opted_in.load() & bit) == 0) {
      ES_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                        static_cast<int>(tiled::shared_bytes(32 * kDims))));
      opted_in.fetch_or(bit);
    }
  }
  const int64_t group = p.n_heads / p.n_kv_heads;
  const int64_t grid_y = p.n_kv_heads * tiled::head_chunks(group);
  assert(p.num_tiles >= 1 && p.num_tiles <= INT32_MAX && grid_y <= 65535);
  const dim3 grid(static_cast<unsigned>(p.num_tiles), static_cast<unsigned>(grid_y));
  kernel<<<grid, tiled::kThreads, bytes, stream>>>(p);
  ES_CUDA_CHECK_LAUNCH();
}

template <typename T>
void launch_tiled_for_head_dim(const PagedAttentionParams& p, cudaStream_t stream) {
  switch (tiled::dims_per_lane(p.head_dim)) {
    case 2: launch_tiled<T, 2>(p, stream); break;
    case 4: launch_tiled<T, 4>(p, stream); break;
    case 8: launch_tiled<T, 8>(p, stream); break;
    default: launch_tiled<T, 16>(p, stream); break;
  }
}

size_t aligned16(size_t n) { return (n + 15) / 16 * 16; }

}  // namespace

size_t paged_attention_scratch_bytes(int64_t num_tokens, int64_t n_heads, int64_t num_partitions, int64_t head_dim) {
  const size_t states =
      static_cast<size_t>(num_tokens) * static_cast<size_t>(n_heads) * static_cast<size_t>(num_partitions);
  return aligned16(states * static_cast<size_t>(head_dim) * sizeof(float)) + 2 * aligned16(states * sizeof(float));
}

void paged_attention_carve_scratch(void* scratch, PagedAttentionParams& p) {
  const size_t states = static_cast<size_t>(p.num_tokens) * static_cast<size_t>(p.n_heads) *
                        static_cast<size_t>(p.num_partitions);
  auto* base = static_cast<uint8_t*>(scratch);
  const size_t out_bytes = aligned16(states * static_cast<size_t>(p.head_dim) * sizeof(float));
  p.partial_out = reinterpret_cast<float*>(base);
  p.partial_max = reinterpret_cast<float*>(base + out_bytes);
  p.partial_sum = reinterpret_cast<float*>(base + out_bytes + aligned16(states * sizeof(float)));
}

void launch_paged_attention(const PagedAttentionParams& p, cudaStream_t stream) {
  if (p.num_tokens == 0 || p.n_heads == 0) return;
  const size_t shared_bytes = attend_shared_floats(p.head_dim) * sizeof(float);
  const dim3 rows(static_cast<unsigned>(p.num_tokens), static_cast<unsigned>(p.n_heads));
  if (p.partition_size == 0 && p.tiles != nullptr) {
    if (p.kv_dtype == DType::F16)
      launch_tiled_for_head_dim<__half>(p, stream);
    else
      launch_tiled_for_head_dim<float>(p, stream);
    return;
  }
  if (p.partition_size == 0) {
    if (p.kv_dtype == DType::F16)
      paged_attention_kernel<__half><<<rows, kWarps * 32, shared_bytes, stream>>>(p);
    else
      paged_attention_kernel<float><<<rows, kWarps * 32, shared_bytes, stream>>>(p);
    ES_CUDA_CHECK_LAUNCH();
    return;
  }
  assert(p.num_partitions >= 1 && p.num_partitions <= kMaxAttentionPartitions && p.partial_out != nullptr &&
         p.partial_max != nullptr && p.partial_sum != nullptr);
  const dim3 partitions(static_cast<unsigned>(p.num_tokens), static_cast<unsigned>(p.n_heads),
                        static_cast<unsigned>(p.num_partitions));
  if (p.kv_dtype == DType::F16)
    paged_attention_split_kernel<__half><<<partitions, kWarps * 32, shared_bytes, stream>>>(p);
  else
    paged_attention_split_kernel<float><<<partitions, kWarps * 32, shared_bytes, stream>>>(p);
  ES_CUDA_CHECK_LAUNCH();
  // One thread per output dimension (head_dim <= 512), a whole number of warps.
  const unsigned reduce_threads = static_cast<unsigned>(std::min<int64_t>((p.head_dim + 31) / 32 * 32, 512));
  paged_attention_reduce_kernel<<<rows, reduce_threads, 0, stream>>>(p);
  ES_CUDA_CHECK_LAUNCH();
}

}  // namespace edgeserve::cuda
