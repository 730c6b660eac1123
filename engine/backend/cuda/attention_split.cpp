// plan_attention_split: see attention_split.h. Host arithmetic only.
#include "engine/backend/cuda/attention_split.h"

#include <algorithm>
#include <cassert>

namespace edgeserve::cuda {

AttentionSplitPlan plan_attention_split(const AttentionSplitConfig& config, int64_t num_tokens, int64_t n_heads,
                                        int64_t max_context_len, int64_t block_size, int multiprocessor_count) {
  assert(num_tokens > 0 && n_heads > 0 && block_size > 0 && max_context_len >= 1);
  assert(multiprocessor_count > 0 && config.partition_size > 0 && config.min_blocks_per_sm >= 0);
  if (config.mode == AttentionSplitMode::kNever) return {};
  // Whole KV blocks per partition: a partition never shares a cache block with its neighbour.
  int64_t partition_size = std::max<int64_t>(1, config.partition_size / block_size) * block_size;
  int64_t num_partitions = (max_context_len + partition_size - 1) / partition_size;
  if (num_partitions > kMaxAttentionPartitions) {  // grid.z limit: grow the partitions (whole blocks still)
    const int64_t min_size = (max_context_len + kMaxAttentionPartitions - 1) / kMaxAttentionPartitions;
    partition_size = (min_size + block_size - 1) / block_size * block_size;
    num_partitions = (max_context_len + partition_size - 1) / partition_size;
  }
  if (config.mode == AttentionSplitMode::kAuto) {
    const bool grid_too_small = num_tokens * n_heads < config.min_blocks_per_sm * multiprocessor_count;
    if (!grid_too_small || num_partitions < 2) return {};  // enough blocks already, or nothing to split
  }
  return {partition_size, num_partitions};
}

}  // namespace edgeserve::cuda
