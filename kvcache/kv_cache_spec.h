#pragma once
// KvCacheSpec: the shape of the physical K/V storage (per layer, K and V each
// [num_blocks, block_size, num_kv_heads, head_dim]) and how many blocks a memory budget buys. Pure arithmetic:
// the storage itself is allocated by the engine on the backend's device (engine/kv_cache.h).
#include <cstdint>

namespace edgeserve {

struct KvCacheSpec {
  int64_t num_layers = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t block_size = 16;
  int64_t element_bytes = 2;   // F16 by default on CPU

  // K and V of every layer for one block.
  int64_t bytes_per_block() const { return 2 * num_layers * block_size * num_kv_heads * head_dim * element_bytes; }
  int64_t bytes_per_token() const { return bytes_per_block() / block_size; }
};

// The default KV budget: a quarter of physical memory, at most 4 GiB (a small model serving 64 sequences of
// a few thousand tokens needs far less; the rest stays for the OS, weights and activations).
int64_t default_kv_cache_memory(int64_t physical_memory_bytes);

// The KV budget on a GPU (vLLM's --gpu-memory-utilization, applied to what the weights leave): the fraction
// `gpu_memory_utilization` in (0, 1] of the device memory still free once `weight_bytes` more are taken.
// The rest stays for activations, cuBLAS workspace and the CUDA context. 0 when the weights do not fit.
int64_t gpu_kv_cache_memory(int64_t free_device_bytes, int64_t weight_bytes, double gpu_memory_utilization);

// Blocks for a budget of `memory_bytes`, never more than `max_useful_blocks` (what max_num_seqs sequences of
// max_model_len tokens could use). 0 when the budget does not hold one block.
int64_t num_kv_blocks_for_memory(const KvCacheSpec& spec, int64_t memory_bytes, int64_t max_useful_blocks);

}  // namespace edgeserve
