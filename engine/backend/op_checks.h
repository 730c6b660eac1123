#pragma once
// The argument contract of the Backend ops (backend.h), checked the same way by every backend at op entry:
// tensor kinds, and for store_kv / attention the metadata a kernel trusts (slots, query_start, context_lens,
// positions, block ids). O(num_seqs + blocks), never per element. Backend-specific limits (a kernel's largest
// head_dim, ...) stay with the backend. Header-only; no device headers.
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include "engine/backend/attention_metadata.h"
#include "engine/backend/backend.h"
#include "engine/backend/backend_check.h"

namespace edgeserve {

inline bool is_plain_float(DType d) { return d == DType::F32 || d == DType::F16 || d == DType::BF16; }

// prepare_weight of a 1-D weight (norm weight, bias): F32, F16 or BF16 and all its bytes present; throws
// std::invalid_argument naming the tensor otherwise.
inline void check_vector_weight(const TensorView& view) {
  if (view.shape.size() != 1)
    throw std::invalid_argument("tensor '" + view.name + "': expected 1 or 2 dimensions, got shape " +
                                shape_to_string(view.shape));
  if (!is_plain_float(view.dtype))
    throw std::invalid_argument("tensor '" + view.name + "': 1-D weight of dtype " +
                                std::string(dtype_name(view.dtype)) + ", expected F32, F16 or BF16");
  if (view.nbytes < tensor_nbytes(view.dtype, view.shape))
    throw std::invalid_argument("tensor '" + view.name + "': too few bytes for shape " + shape_to_string(view.shape));
}

inline void check_f32_2d(const DeviceTensor& t, const char* what) {
  ES_CHECK(t.data != nullptr && t.dtype == DType::F32 && t.ndim == 2, what);
}

inline void check_kv_cache(const DeviceTensor& c, const char* what) {
  ES_CHECK(c.data != nullptr && c.ndim == 4 && (c.dtype == DType::F32 || c.dtype == DType::F16), what);
}

// store_kv's arguments; returns the cache row length (n_kv_heads * head_dim).
inline int64_t check_store_kv_args(const DeviceTensor& k, const DeviceTensor& v, std::span<const int64_t> slot_mapping,
                                   const DeviceTensor& k_cache, const DeviceTensor& v_cache) {
  check_f32_2d(k, "store_kv: k must be F32 [T, n_kv_heads * head_dim]");
  check_f32_2d(v, "store_kv: v must be F32 [T, n_kv_heads * head_dim]");
  check_kv_cache(k_cache, "store_kv: k_cache [num_blocks, block_size, n_kv_heads, head_dim] F32/F16");
  check_kv_cache(v_cache, "store_kv: v_cache [num_blocks, block_size, n_kv_heads, head_dim] F32/F16");
  ES_CHECK(k_cache.shape == v_cache.shape && k_cache.dtype == v_cache.dtype, "store_kv: k/v caches differ");
  const int64_t row = k_cache.dim(2) * k_cache.dim(3);
  const int64_t num_slots = k_cache.dim(0) * k_cache.dim(1);
  ES_CHECK(k.dim(1) == row && v.dim(1) == row && v.dim(0) == k.dim(0), "store_kv: k/v [T, n_kv_heads * head_dim]");
  ES_CHECK(static_cast<int64_t>(slot_mapping.size()) == k.dim(0), "store_kv: slot_mapping [T]");
  for (int64_t slot : slot_mapping) ES_CHECK(slot < num_slots, "store_kv: slot past the cache");
  return row;
}

// attention's arguments: shapes, GQA divisibility and the metadata the kernels trust.
inline void check_attention_args(const DeviceTensor& q, const DeviceTensor& k_cache, const DeviceTensor& v_cache,
                                 const AttentionMetadata& md, const DeviceTensor& out) {
  check_f32_2d(q, "attention: q must be F32 [T, n_heads * head_dim]");
  check_f32_2d(out, "attention: out must be F32 [T, n_heads * head_dim]");
  check_kv_cache(k_cache, "attention: k_cache [num_blocks, block_size, n_kv_heads, head_dim] F32/F16");
  ES_CHECK(k_cache.shape == v_cache.shape && k_cache.dtype == v_cache.dtype && v_cache.data != nullptr,
           "attention: k/v caches differ");
  const int64_t num_blocks = k_cache.dim(0), block_size = k_cache.dim(1);
  const int64_t n_kv_heads = k_cache.dim(2), head_dim = k_cache.dim(3);
  ES_CHECK(head_dim > 0 && q.dim(1) % (n_kv_heads * head_dim) == 0, "attention: n_heads must be a multiple of n_kv_heads");
  ES_CHECK(out.dim(0) == q.dim(0) && out.dim(1) == q.dim(1), "attention: out shape != q shape");
  const int64_t num_seqs = md.num_seqs();
  ES_CHECK(md.positions.empty() || md.num_tokens() == q.dim(0), "attention: positions [T]");
  ES_CHECK(static_cast<int64_t>(md.query_start.size()) == num_seqs + 1 && md.query_start[0] == 0 &&
               md.query_start[num_seqs] == q.dim(0), "attention: query_start [num_seqs + 1] ending at T");
  ES_CHECK(static_cast<int64_t>(md.block_tables.size()) == num_seqs * md.max_blocks_per_seq, "attention: block_tables");
  for (int64_t s = 0; s < num_seqs; ++s) {
    const int64_t q_len = md.query_start[s + 1] - md.query_start[s];
    const int64_t ctx = md.context_lens[s];
    ES_CHECK(q_len >= 0 && ctx >= q_len && ctx <= md.max_blocks_per_seq * block_size, "attention: context_len");
    for (int64_t i = 0; i < q_len && !md.positions.empty(); ++i)  // the causal range comes from context_lens
      ES_CHECK(md.positions[md.query_start[s] + i] == ctx - q_len + i, "attention: positions != context_len - q_len + i");
    for (int64_t b = 0; b < (ctx + block_size - 1) / block_size; ++b) {
      const int32_t id = md.block_tables[s * md.max_blocks_per_seq + b];
      ES_CHECK(id >= 0 && id < num_blocks, "attention: block id out of range");
    }
  }
}

}  // namespace edgeserve
