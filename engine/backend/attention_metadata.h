#pragma once
// AttentionMetadata: the per-step arrays the attention ops read, as views into the ForwardBatch that
// ModelRunner::prepare() fills (ARCHITECTURE step 5). Host memory; a device backend uploads what it needs.
// Owns nothing. Sequences are in batch order; a sequence's new tokens are rows
// [query_start[s], query_start[s+1]) of the flattened [T, ...] activations.
#include <cstdint>
#include <span>

namespace edgeserve {

struct AttentionMetadata {
  std::span<const int32_t> positions;     // [T] position of each new token in its sequence (rope input)
  std::span<const int64_t> slot_mapping;  // [T] KV slot = block_id * block_size + offset; < 0: do not store
  std::span<const int32_t> query_start;   // [num_seqs + 1] prefix sum of new tokens; query_start[0] == 0
  std::span<const int32_t> context_lens;  // [num_seqs] tokens in the KV cache after this step's store_kv
                                          //   (cached + new); the new tokens are the last ones
  std::span<const int32_t> block_tables;  // [num_seqs, max_blocks_per_seq] row-major physical block ids
  int32_t max_blocks_per_seq = 0;         // row length of block_tables

  int32_t num_seqs() const { return static_cast<int32_t>(context_lens.size()); }
  int32_t num_tokens() const { return static_cast<int32_t>(positions.size()); }
};

}  // namespace edgeserve
