#pragma once
// Tiled paged attention, the device code of one thread block (geometry: attention_tiles.cuh). Block
// (tile x, y = kv_head * head_chunks + chunk) computes the query vectors v = row * heads + h of its tile's
// rows and its chunk's query heads. It walks the keys [0, key_end) its LAST row sees in chunks of kKeys:
// the whole block loads a chunk's K and V once (widened to F32, read through the sequence's block table)
// into shared memory, then each warp scores the chunk against its query vectors (v = warp + kWarps * i)
// and folds it into their online-softmax states (running max, sum of weights, F32 accumulator of
// head_dim / 32 values per lane), kept in registers. Row r of the tile sees keys [0, last_key0 + r]; later
// keys score -inf and weigh 0. A chunk fully past a row's last key leaves its state exactly as it was
// (correction exp(0) = 1, weights exp(-inf - max) = 0), never NaN: the running max is finite, being
// -FLT_MAX at the start and a real score once chunk 0 (which holds key 0, visible to every row) is in.
// Same math as the one-block-per-(row, head) kernel (F32, expf, out = acc / sum): only the F32 summation
// order differs.
//
// Kept apart from attention_kernels.cu (which wraps attend_tile in its __global__ kernels) so that a host
// harness can compile this very code with emulated threads, barriers and shuffles. It therefore uses only
// threadIdx, blockIdx, __syncthreads, __syncwarp, __shfl_xor_sync, __half2float, expf and fmaxf.
#include <cuda_fp16.h>

#include <cfloat>
#include <cmath>
#include <cstdint>

#include "engine/backend/cuda/attention_tiles.cuh"
#include "engine/backend/cuda/cuda_kernels.h"

namespace edgeserve::cuda {

// One cache element widened to F32 (the caches hold F32 or F16).
template <typename T>
__device__ inline float widen(T x);
template <>
__device__ inline float widen<float>(float x) { return x; }
template <>
__device__ inline float widen<__half>(__half x) { return __half2float(x); }

namespace tiled {

// Cache slot of key `key` of a sequence (block table `block_table`), or -1 at or past key_end.
__device__ inline int64_t key_slot(const PagedAttentionParams& p, const int32_t* block_table, int64_t key,
                                   int64_t key_end) {
  if (key >= key_end) return -1;
  return static_cast<int64_t>(block_table[key / p.block_size]) * p.block_size + key % p.block_size;
}

// The block's work (all kThreads threads must call it; blockDim.x == kThreads). T: cache element (float or
// __half); kDims == dims_per_lane(head_dim); kKeys == key_chunk(kDims); `shared` holds
// shared_floats(head_dim, kKeys) floats, 8-byte aligned.
template <typename T, int kDims, int kKeys>
__device__ void attend_tile(const PagedAttentionParams& p, float* shared) {
  constexpr int kSlices = 32 / kKeys;  // lanes per key, each summing every kSlices-th dimension
  constexpr unsigned kAllLanes = 0xffffffffu;
  const int hd = static_cast<int>(p.head_dim);
  const int stride = static_cast<int>(key_stride(hd, kKeys));
  const int64_t group = p.n_heads / p.n_kv_heads, chunks = head_chunks(group), per_chunk = heads_per_chunk(group);
  const int64_t kv_head = blockIdx.y / chunks, chunk = blockIdx.y % chunks;
  const int64_t first_head = kv_head * group + chunk * per_chunk;  // query head of vector 0
  const int heads = static_cast<int>(group - chunk * per_chunk < per_chunk ? group - chunk * per_chunk : per_chunk);

  const int32_t* tile = p.tiles + static_cast<int64_t>(blockIdx.x) * kTileInts;  // sequence, first row, rows
  const int64_t seq = tile[0], first_row = tile[1];
  const int rows = tile[2];
  const int64_t q_len = p.query_start[seq + 1] - p.query_start[seq];
  const int64_t first_token = p.query_start[seq] + first_row;                // flattened row of tile row 0
  const int64_t last_key0 = p.context_lens[seq] - q_len + first_row;        // tile row r sees [0, last_key0 + r]
  const int64_t key_end = last_key0 + rows;                                  // keys of the tile's last row
  const int32_t* block_table = p.block_tables + seq * p.max_blocks_per_seq;  // [max_blocks_per_seq]
  const int num_queries = rows * heads;                                      // vectors v < num_queries are used

  int64_t* slot_s = reinterpret_cast<int64_t*>(shared);  // [kKeys]
  float* q_s = shared + 2 * kKeys;                        // [kQueries, hd]
  float* k_s = q_s + kQueries * hd;                       // [kKeys, stride]
  float* v_s = k_s + kKeys * stride;                      // [kKeys, hd]
  float* p_s = v_s + kKeys * hd;                          // [kWarps, kQueriesPerWarp, kKeys]
  const T* k_cache = static_cast<const T*>(p.k_cache);    // [num_blocks, block_size, n_kv_heads, hd]
  const T* v_cache = static_cast<const T*>(p.v_cache);

  // Query vector v is q[first_token + v / heads, first_head + v % heads, :]; unused vectors are zero.
  for (int at = threadIdx.x; at < kQueries * hd; at += kThreads) {
    const int v = at / hd, d = at % hd;
    float x = 0.0f;
    if (v < num_queries) x = p.q[((first_token + v / heads) * p.n_heads + first_head + v % heads) * hd + d];
    q_s[at] = x;
  }
  if (threadIdx.x < kKeys) slot_s[threadIdx.x] = key_slot(p, block_table, threadIdx.x, key_end);

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int key = lane % kKeys, slice = lane / kKeys;  // this lane's key of a chunk, its share of the dims
  const int mine = num_queries > warp ? (num_queries - warp + kWarps - 1) / kWarps : 0;  // warp's vectors
  float* p_warp = p_s + warp * kQueriesPerWarp * kKeys;  // [kQueriesPerWarp, kKeys]
  float run_max[kQueriesPerWarp], run_sum[kQueriesPerWarp], acc[kQueriesPerWarp][kDims];
#pragma unroll
  for (int i = 0; i < kQueriesPerWarp; ++i) {
    run_max[i] = -FLT_MAX;
    run_sum[i] = 0.0f;
#pragma unroll
    for (int r = 0; r < kDims; ++r) acc[i][r] = 0.0f;
  }

  for (int64_t start = 0; start < key_end; start += kKeys) {
    __syncthreads();  // q_s and this chunk's slots written; the previous chunk's k_s, v_s, p_s consumed
    for (int at = threadIdx.x; at < kKeys * hd; at += kThreads) {
      const int j = at / hd, d = at % hd;
      const int64_t slot = slot_s[j];
      float kx = 0.0f, vx = 0.0f;  // past the tile's keys: zeros (finite, so weight 0 * v stays 0)
      if (slot >= 0) {
        const int64_t from = (slot * p.n_kv_heads + kv_head) * hd + d;
        kx = widen<T>(k_cache[from]);
        vx = widen<T>(v_cache[from]);
      }
      k_s[j * stride + d] = kx;
      v_s[at] = vx;  // at == j * hd + d
    }
    __syncthreads();
    // The next chunk's slots: slot_s is read again only after the next chunk's first barrier.
    if (threadIdx.x < kKeys) slot_s[threadIdx.x] = key_slot(p, block_table, start + kKeys + threadIdx.x, key_end);

    // Scores: lane (slice, key) sums q . k over dims slice, slice + kSlices, ... for each of its vectors.
    float dot[kQueriesPerWarp];
#pragma unroll
    for (int i = 0; i < kQueriesPerWarp; ++i) dot[i] = 0.0f;
    const float* k_row = k_s + key * stride;
    for (int d = slice; d < hd; d += kSlices) {
      const float kd = k_row[d];
#pragma unroll
      for (int i = 0; i < kQueriesPerWarp; ++i)
        if (i < mine) dot[i] += q_s[(warp + kWarps * i) * hd + d] * kd;
    }
    // Online softmax per vector (warp-uniform branches: every lane of the warp takes the same ones).
    float correction[kQueriesPerWarp];
#pragma unroll
    for (int i = 0; i < kQueriesPerWarp; ++i) {
      correction[i] = 1.0f;
      if (i >= mine) continue;
#pragma unroll
      for (int offset = kKeys; offset < 32; offset <<= 1) dot[i] += __shfl_xor_sync(kAllLanes, dot[i], offset);
      const int64_t last_key = last_key0 + (warp + kWarps * i) / heads;
      const float score = start + key <= last_key ? dot[i] * p.scale : -INFINITY;
      float chunk_max = score;
#pragma unroll
      for (int offset = 1; offset < kKeys; offset <<= 1)
        chunk_max = fmaxf(chunk_max, __shfl_xor_sync(kAllLanes, chunk_max, offset));
      const float new_max = fmaxf(run_max[i], chunk_max);  // finite: run_max starts at -FLT_MAX
      correction[i] = expf(run_max[i] - new_max);
      const float weight = expf(score - new_max);  // 0 for a masked key
      float chunk_sum = weight;
#pragma unroll
      for (int offset = 1; offset < kKeys; offset <<= 1) chunk_sum += __shfl_xor_sync(kAllLanes, chunk_sum, offset);
      run_sum[i] = run_sum[i] * correction[i] + chunk_sum;
      run_max[i] = new_max;
      if (slice == 0) p_warp[i * kKeys + key] = weight;
    }
    __syncwarp();  // p_warp written
    // acc[i][r] (dimension lane + 32 r) = acc * correction + sum_j weight_j * v_j.
#pragma unroll
    for (int r = 0; r < kDims; ++r) {
      const int d = lane + 32 * r;
      if (d >= hd) break;
      float a[kQueriesPerWarp];
#pragma unroll
      for (int i = 0; i < kQueriesPerWarp; ++i) a[i] = acc[i][r] * correction[i];
#pragma unroll
      for (int j = 0; j < kKeys; ++j) {
        const float vx = v_s[j * hd + d];
#pragma unroll
        for (int i = 0; i < kQueriesPerWarp; ++i)
          if (i < mine) a[i] += p_warp[i * kKeys + j] * vx;
      }
#pragma unroll
      for (int i = 0; i < kQueriesPerWarp; ++i) acc[i][r] = a[i];
    }
  }

  // out[row, head, :] = acc / sum; sum > 0 because every row sees key 0.
#pragma unroll
  for (int i = 0; i < kQueriesPerWarp; ++i) {
    if (i >= mine) continue;
    const int v = warp + kWarps * i;
    float* out = p.out + ((first_token + v / heads) * p.n_heads + first_head + v % heads) * hd;
#pragma unroll
    for (int r = 0; r < kDims; ++r) {
      const int d = lane + 32 * r;
      if (d < hd) out[d] = acc[i][r] / run_sum[i];
    }
  }
}

}  // namespace tiled
}  // namespace edgeserve::cuda
