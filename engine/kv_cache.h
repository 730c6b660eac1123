#pragma once
// KvCache: the physical K/V storage of every layer on the backend's device, [num_blocks, block_size,
// num_kv_heads, head_dim] for K and for V (kvcache/kv_cache_spec.h gives the shape and the sizing). Block ids
// are the BlockManager's. Lives in engine/ rather than kvcache/ because it allocates through the Backend,
// and kvcache/ sits below the engine (config <- kvcache <- scheduler <- engine).
#include <cstdint>
#include <span>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/model/decoder.h"
#include "kvcache/kv_cache_spec.h"

namespace edgeserve {

class KvCache {
 public:
  // dtype: F16 (the CPU default) or F32. The CPU backend maps large buffers lazily, so pages are only
  // resident once blocks are written.
  KvCache(Backend& backend, const KvCacheSpec& spec, int64_t num_blocks, DType dtype);

  std::span<const LayerKvCache> layers() const { return layers_; }
  int64_t num_blocks() const { return num_blocks_; }
  DType dtype() const { return dtype_; }
  int64_t nbytes() const { return static_cast<int64_t>(storage_.size()) * (storage_.empty() ? 0 : static_cast<int64_t>(storage_[0].tensor().nbytes())); }

 private:
  int64_t num_blocks_;
  DType dtype_;
  std::vector<DeviceBuffer> storage_;   // [2 * num_layers]: K, V per layer
  std::vector<LayerKvCache> layers_;    // [num_layers] views into storage_
};

}  // namespace edgeserve
