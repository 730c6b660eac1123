#pragma once
// When CUDA paged attention splits each row's keys over several thread blocks (split-K, "flash-decoding";
// vLLM's paged_attention_v2 partitions) and into how many partitions. Plain C++ header and pure host
// arithmetic: the CudaBackend plans each attention call here, tests ask it what a shape gets. It launches
// nothing and allocates nothing.
//
// Why: the unsplit kernel runs one thread block per (token, query head). A decode step of a few sequences
// with long contexts then fills a handful of the GPU's SMs, each block walking thousands of keys alone.
// Splitting cuts every row's key range [0, num_keys) into partitions of `partition_size` keys (whole KV
// blocks), one thread block each, and a second kernel merges the partitions' softmax states.
#include <cstdint>

namespace edgeserve::cuda {

enum class AttentionSplitMode {
  kAuto,    // split when the unsplit grid is too small for the GPU and some row spans several partitions
  kAlways,  // split every launch (rows of <= partition_size keys get one partition): tests, measurements
  kNever,   // never split: one thread block per (token, head)
};

struct AttentionSplitConfig {
  AttentionSplitMode mode = AttentionSplitMode::kAuto;
  // Keys per partition, rounded down to whole KV blocks (at least one block). 512 keys: long enough that a
  // partition's own work dwarfs its share of the merge, short enough that a 2k-key decode already splits.
  int64_t partition_size = 512;
  // kAuto splits when num_tokens * n_heads < min_blocks_per_sm * multiprocessor_count.
  int64_t min_blocks_per_sm = 2;
  // An unsplit launch runs the tiled kernel (attention_tiles.cuh: one thread block per tile of up to 16
  // query vectors of one sequence's rows and one GQA group's heads, each K/V chunk read once for all of
  // them) when true, the one-block-per-(token, query head) kernel when false (comparisons, measurements).
  // The split path is the same either way.
  bool tiled = true;
};

// What one attention launch does. num_partitions == 0: unsplit kernel. Otherwise the split kernel runs a grid
// of [num_tokens, n_heads, num_partitions] (num_partitions = partitions of the longest row; blocks past a
// shorter row's last partition exit at once) and the reduce kernel merges each row's partitions.
struct AttentionSplitPlan {
  int64_t partition_size = 0;  // keys per partition, a multiple of block_size; 0 when unsplit
  int64_t num_partitions = 0;  // ceil(max_context_len / partition_size); 0 when unsplit
};

// Largest partition count one launch may use (gridDim.z is at most 65535). A plan that would need more
// uses larger partitions instead (kAlways with a tiny partition_size on a huge context).
constexpr int64_t kMaxAttentionPartitions = 65535;

// Preconditions (asserted): num_tokens, n_heads, block_size > 0; max_context_len >= 1 (every row sees at
// least itself); multiprocessor_count > 0; config.partition_size > 0, config.min_blocks_per_sm >= 0.
// max_context_len is the largest context_len of the batch: the longest row of sequence s has context_lens[s]
// keys, so it bounds every row's key count.
AttentionSplitPlan plan_attention_split(const AttentionSplitConfig& config, int64_t num_tokens, int64_t n_heads,
                                        int64_t max_context_len, int64_t block_size, int multiprocessor_count);

}  // namespace edgeserve::cuda
