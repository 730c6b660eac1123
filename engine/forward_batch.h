#pragma once
// ForwardBatch: one step's flattened inputs, built by ModelRunner::prepare() from the SchedulerOutput
// (ARCHITECTURE step 5). Host memory; the vectors keep their capacity between steps (no allocation once warm).
// Sequences appear in SchedulerOutput order; the new tokens of sequence s are rows
// [query_start[s], query_start[s+1]).
#include <cstdint>
#include <span>
#include <vector>

#include "engine/backend/attention_metadata.h"

namespace edgeserve {

struct ForwardBatch {
  std::vector<int32_t> token_ids;      // [T]
  std::vector<int32_t> positions;      // [T] position of each token in its sequence
  std::vector<int64_t> slot_mapping;   // [T] block_table[pos / block_size] * block_size + pos % block_size
  std::vector<int32_t> query_start;    // [S + 1]
  std::vector<int32_t> context_lens;   // [S] num_computed_tokens + num_new_tokens
  std::vector<int32_t> block_tables;   // [S, max_blocks_per_seq] padded with 0 (never read past context_lens)
  int32_t max_blocks_per_seq = 0;
  std::vector<int32_t> logits_rows;    // [R] the last row of each sampling sequence
  std::vector<int32_t> sampling_seqs;  // [R] index into the scheduled sequences of each logits row

  int32_t num_tokens() const { return static_cast<int32_t>(token_ids.size()); }
  int32_t num_seqs() const { return static_cast<int32_t>(context_lens.size()); }

  AttentionMetadata attention_metadata() const {
    return {positions, slot_mapping, query_start, context_lens, block_tables, max_blocks_per_seq};
  }
};

}  // namespace edgeserve
