#pragma once
// CPU paged attention kernel: causal, GQA, online softmax (one pass over the keys, per KV block), F32
// accumulation over F32 or F16 K/V storage [num_blocks, block_size, n_kv_heads, head_dim].
// Work unit = (sequence, KV head): the GQA group's query heads share each K/V block read. CpuBackend
// spreads units over its thread pool. No allocation (per-thread state lives on the stack).
#include <cstdint>

#include "engine/backend/attention_metadata.h"
#include "engine/tensor.h"

namespace edgeserve::cpu {

constexpr int64_t kMaxAttentionHeadDim = 512;
constexpr int64_t kMaxAttentionBlockSize = 1024;
constexpr int64_t kMaxAttentionGroup = 16;  // n_heads / n_kv_heads

struct PagedAttentionArgs {
  const float* q = nullptr;     // [T, n_heads * head_dim]
  float* out = nullptr;         // [T, n_heads * head_dim]
  const void* k_cache = nullptr;
  const void* v_cache = nullptr;
  DType kv_dtype = DType::F32;  // F32 or F16
  int64_t block_size = 0;
  int64_t n_heads = 0;
  int64_t n_kv_heads = 0;
  int64_t head_dim = 0;
  float scale = 1.0f;
  const AttentionMetadata* metadata = nullptr;
  bool use_avx512 = false;      // F32/F16 dot and row widening with AVX-512 (caller checked the CPU)
};

// Computes units [unit_begin, unit_end) where unit = seq * n_kv_heads + kv_head.
void paged_attention_units(const PagedAttentionArgs& args, int64_t unit_begin, int64_t unit_end);

}  // namespace edgeserve::cpu
