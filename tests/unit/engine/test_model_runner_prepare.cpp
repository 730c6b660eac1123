// ModelRunner::prepare() against hand-computed arrays: a mixed batch of a decode row, a prefill chunk that
// does not sample, and a prefill that finishes its prompt, over non-contiguous block tables.
#include <catch2/catch.hpp>

#include <numeric>

#include "engine/model_runner.h"

using namespace edgeserve;

TEST_CASE("prepare flattens decode, chunk and prefill sequences", "[engine]") {
  // block_size 4. Sequence 7: 9 tokens computed, decoding its 10th (position 9) in block 5 (table 3 1 5).
  // Sequence 8: a 6-token chunk at positions 4..9 of a 20-token prompt (table 2 0 6), does not sample.
  // Sequence 9: a 3-token prompt, whole (table 4).
  std::vector<int32_t> t7(10), t8(20), t9{90, 91, 92};
  std::iota(t7.begin(), t7.end(), 70);
  std::iota(t8.begin(), t8.end(), 80);
  const std::vector<int32_t> b7{3, 1, 5}, b8{2, 0, 6}, b9{4};
  SchedulerOutput out;
  out.scheduled.push_back({7, t7, b7, 9, 1, true});
  out.scheduled.push_back({8, t8, b8, 4, 6, false});
  out.scheduled.push_back({9, t9, b9, 0, 3, true});

  ForwardBatch batch;
  batch.token_ids = {1, 2, 3};   // stale contents from an earlier step are cleared
  ModelRunner::prepare(out, 4, batch);
  CHECK(batch.token_ids == std::vector<int32_t>{79, 84, 85, 86, 87, 88, 89, 90, 91, 92});
  CHECK(batch.positions == std::vector<int32_t>{9, 4, 5, 6, 7, 8, 9, 0, 1, 2});
  CHECK(batch.slot_mapping == std::vector<int64_t>{21, 0, 1, 2, 3, 24, 25, 16, 17, 18});
  CHECK(batch.query_start == std::vector<int32_t>{0, 1, 7, 10});
  CHECK(batch.context_lens == std::vector<int32_t>{10, 10, 3});
  CHECK(batch.max_blocks_per_seq == 3);
  CHECK(batch.block_tables == std::vector<int32_t>{3, 1, 5, 2, 0, 6, 4, 0, 0});
  CHECK(batch.logits_rows == std::vector<int32_t>{0, 9});
  CHECK(batch.sampling_seqs == std::vector<int32_t>{0, 2});
  const AttentionMetadata md = batch.attention_metadata();
  CHECK(md.num_seqs() == 3);
  CHECK(md.num_tokens() == 10);
}

TEST_CASE("prepare of a decode-only batch gives one row per sequence", "[engine]") {
  std::vector<int32_t> a{5, 6, 7, 8, 9}, b{1, 2};
  const std::vector<int32_t> ta{0, 1}, tb{2};
  SchedulerOutput out;
  out.scheduled.push_back({1, a, ta, 4, 1, true});
  out.scheduled.push_back({2, b, tb, 1, 1, true});
  ForwardBatch batch;
  ModelRunner::prepare(out, 4, batch);
  CHECK(batch.token_ids == std::vector<int32_t>{9, 2});
  CHECK(batch.positions == std::vector<int32_t>{4, 1});
  CHECK(batch.slot_mapping == std::vector<int64_t>{4, 9});
  CHECK(batch.query_start == std::vector<int32_t>{0, 1, 2});
  CHECK(batch.context_lens == std::vector<int32_t>{5, 2});
  CHECK(batch.block_tables == std::vector<int32_t>{0, 1, 2, 0});
  CHECK(batch.logits_rows == std::vector<int32_t>{0, 1});
}
