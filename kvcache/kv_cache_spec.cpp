#include "kvcache/kv_cache_spec.h"

#include <algorithm>
#include <cassert>

namespace edgeserve {

int64_t default_kv_cache_memory(int64_t physical_memory_bytes) {
  constexpr int64_t kCap = int64_t{4} << 30;
  return std::min(kCap, physical_memory_bytes / 4);
}

int64_t gpu_kv_cache_memory(int64_t free_device_bytes, int64_t weight_bytes, double gpu_memory_utilization) {
  assert(gpu_memory_utilization > 0.0 && gpu_memory_utilization <= 1.0);
  const int64_t left = free_device_bytes - weight_bytes;
  if (left <= 0) return 0;
  return static_cast<int64_t>(static_cast<double>(left) * gpu_memory_utilization);
}

int64_t num_kv_blocks_for_memory(const KvCacheSpec& spec, int64_t memory_bytes, int64_t max_useful_blocks) {
  assert(spec.bytes_per_block() > 0);
  return std::min(memory_bytes / spec.bytes_per_block(), max_useful_blocks);
}

}  // namespace edgeserve
