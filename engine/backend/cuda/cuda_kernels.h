#pragma once
// Launchers of the CUDA backend's kernels (one .cu per concept: elementwise_kernels, kv_kernels,
// attention_kernels, q8_0_linear). Pointers are device pointers; every launcher enqueues on `stream`,
// checks the launch (ES_CUDA_CHECK_LAUNCH) and returns without synchronizing. Shapes were checked by
// CudaBackend; launchers with zero rows launch nothing. Internal: includes cuda_runtime.h.
#include <cuda_runtime.h>

#include <cstdint>

#include "engine/tensor.h"

namespace edgeserve::cuda {

// Largest head_dim the attention kernel keeps in registers (16 floats per lane of a warp).
constexpr int64_t kMaxAttentionHeadDim = 512;

// out[t, :] = dequantize(table[ids[t], :]); table dtype F32, F16, BF16 or Q8_0 (raw bytes, row_bytes apart).
void launch_embedding(const void* table, DType dtype, size_t row_bytes, const int32_t* ids, int64_t num_tokens,
                      int64_t hidden, float* out, cudaStream_t stream);
// Per row of n: out = x * rsqrt(mean(x^2) + eps) * weight. out may alias x.
void launch_rms_norm(const float* x, const float* weight, float eps, int64_t rows, int64_t n, float* out,
                     cudaStream_t stream);
// In place rotary embedding; inv_freq [head_dim / 2], positions [T]; interleaved pairs when !neox.
void launch_rope(float* q, int64_t q_heads, float* k, int64_t k_heads, int64_t num_tokens, const int32_t* positions,
                 const float* inv_freq, int64_t head_dim, bool neox, cudaStream_t stream);
void launch_silu_mul(const float* gate, const float* up, int64_t n, float* out, cudaStream_t stream);
void launch_add(const float* a, const float* b, int64_t n, float* out, cudaStream_t stream);
// out[i, :] = x[rows[i], :], rows of n floats.
void launch_gather_rows(const float* x, const int32_t* rows, int64_t num_rows, int64_t n, float* out,
                        cudaStream_t stream);
// y[t, o] += bias[o] for y [T, out].
void launch_add_bias(float* y, const float* bias, int64_t num_tokens, int64_t out, cudaStream_t stream);
// dst[i] = src[i] rounded to nearest even in F16 (to_bf16 false) or BF16 (true): GEMM activation operand.
void launch_narrow_f32(const float* src, int64_t n, bool to_bf16, void* dst, cudaStream_t stream);

// Row t of k/v [T, row] to slot slots[t] of the caches (rows of `row` elements, F32 or F16); slot < 0 skips.
void launch_store_kv(const float* k, const float* v, const int64_t* slots, int64_t num_tokens, int64_t row,
                     DType cache_dtype, void* k_cache, void* v_cache, cudaStream_t stream);

struct PagedAttentionParams {
  const float* q = nullptr;              // [T, n_heads * head_dim]
  float* out = nullptr;                  // [T, n_heads * head_dim]
  const void* k_cache = nullptr;         // [num_blocks, block_size, n_kv_heads, head_dim]
  const void* v_cache = nullptr;
  DType kv_dtype = DType::F32;           // F32 or F16
  const int32_t* query_start = nullptr;  // [num_seqs + 1]
  const int32_t* context_lens = nullptr; // [num_seqs]
  const int32_t* block_tables = nullptr; // [num_seqs, max_blocks_per_seq]
  int32_t max_blocks_per_seq = 0;
  int32_t num_seqs = 0;
  int64_t num_tokens = 0;
  int64_t block_size = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  float scale = 1.0f;
  // Split-K (attention_split.h). partition_size == 0: one thread block per (token, head) writes out directly.
  // Otherwise row (t, head)'s keys are cut into partitions of partition_size keys; partition i of the row
  // writes its unnormalised state to the scratch below and a reduce kernel merges the row's partitions.
  int64_t partition_size = 0;
  int64_t num_partitions = 0;              // grid.z: partitions of the longest row
  float* partial_out = nullptr;            // [T, n_heads, num_partitions, head_dim] sum of weight * v
  float* partial_max = nullptr;            // [T, n_heads, num_partitions] largest score of the partition
  float* partial_sum = nullptr;            // [T, n_heads, num_partitions] sum of exp(score - partial_max)
  // Tiled (unsplit only: partition_size == 0 and tiles != nullptr; attention_tiles.cuh): one thread block
  // per (tile, KV head, head chunk), grid [num_tiles, n_kv_heads * head_chunks], sharing every K/V chunk
  // across the tile's rows and the GQA group's heads. tiles == nullptr: one block per (token, head).
  const int32_t* tiles = nullptr;          // [num_tiles, 3] (sequence, first row, rows): build_attention_tiles
  int64_t num_tiles = 0;
};
// Bytes of the split scratch for these sizes: partial_out, then partial_max, then partial_sum (each
// 16-byte aligned); carve it with paged_attention_carve_scratch.
size_t paged_attention_scratch_bytes(int64_t num_tokens, int64_t n_heads, int64_t num_partitions, int64_t head_dim);
// Points params.partial_* into `scratch` (at least paged_attention_scratch_bytes of params' sizes).
void paged_attention_carve_scratch(void* scratch, PagedAttentionParams& params);
void launch_paged_attention(const PagedAttentionParams& params, cudaStream_t stream);

// y[t, o] = sum_k x[t, k] * dequant(w[o, k]) (+ bias[o]); w Q8_0 rows of row_bytes, in % 32 == 0.
void launch_q8_0_linear(const float* x, const uint8_t* w, size_t row_bytes, const float* bias, int64_t num_tokens,
                        int64_t in, int64_t out, float* y, cudaStream_t stream);

}  // namespace edgeserve::cuda
