#include "engine/kv_cache.h"

#include <cassert>

namespace edgeserve {

KvCache::KvCache(Backend& backend, const KvCacheSpec& spec, int64_t num_blocks, DType dtype)
    : num_blocks_(num_blocks), dtype_(dtype) {
  assert(num_blocks > 0 && (dtype == DType::F16 || dtype == DType::F32));
  const int64_t shape[4] = {num_blocks, spec.block_size, spec.num_kv_heads, spec.head_dim};
  storage_.reserve(static_cast<size_t>(2 * spec.num_layers));
  layers_.reserve(static_cast<size_t>(spec.num_layers));
  for (int64_t i = 0; i < spec.num_layers; ++i) {
    storage_.push_back(backend.allocate(dtype, shape));
    storage_.push_back(backend.allocate(dtype, shape));
    layers_.push_back({storage_[storage_.size() - 2].tensor(), storage_.back().tensor()});
  }
}

}  // namespace edgeserve
