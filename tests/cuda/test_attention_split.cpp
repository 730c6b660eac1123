// plan_attention_split (engine/backend/cuda/attention_split.h), host arithmetic only: runs without a GPU.
// Reference: the rule the header states, worked by hand for each shape (partitions of whole KV blocks,
// ceil(max_context_len / partition_size) of them, kAuto only when tokens * heads < 2 * SMs and some row
// spans two partitions, gridDim.z <= 65535).
#include <catch2/catch.hpp>

#include "engine/backend/cuda/attention_split.h"

using namespace edgeserve::cuda;
using Config = AttentionSplitConfig;
using Mode = AttentionSplitMode;

TEST_CASE("split-K plan: kAuto splits few long rows and leaves full grids and short rows alone",
          "[attention_split]") {
  const Config automatic{.mode = Mode::kAuto};
  // 1 decode row x 16 heads on 132 SMs (H100): 16 blocks < 264.
  AttentionSplitPlan plan = plan_attention_split(automatic, 1, 16, 5000, 16, 132);
  CHECK(plan.partition_size == 512);
  CHECK(plan.num_partitions == 10);  // ceil(5000 / 512)
  plan = plan_attention_split(automatic, 3, 16, 513, 16, 132);
  CHECK(plan.partition_size == 512);
  CHECK(plan.num_partitions == 2);
  // Every row fits one partition: nothing to split.
  CHECK(plan_attention_split(automatic, 1, 16, 512, 16, 132).num_partitions == 0);
  CHECK(plan_attention_split(automatic, 1, 16, 1, 16, 132).num_partitions == 0);
  // 17 rows x 16 heads = 272 >= 264 blocks: the unsplit grid already fills the GPU.
  CHECK(plan_attention_split(automatic, 17, 16, 5000, 16, 132).num_partitions == 0);
  CHECK(plan_attention_split(automatic, 16, 16, 5000, 16, 132).num_partitions == 10);  // 256 < 264
  // A bigger GPU wants more blocks: 58 SMs (L4) do not split 8 x 16 = 128 blocks, 132 SMs do.
  CHECK(plan_attention_split(automatic, 8, 16, 5000, 16, 58).num_partitions == 0);
  CHECK(plan_attention_split(automatic, 8, 16, 5000, 16, 132).num_partitions == 10);
}

TEST_CASE("split-K plan: partitions are whole KV blocks", "[attention_split]") {
  // 512 keys of 24-key blocks: 21 blocks = 504 keys; 5000 keys -> 10 partitions.
  AttentionSplitPlan plan = plan_attention_split(Config{.mode = Mode::kAlways}, 1, 8, 5000, 24, 132);
  CHECK(plan.partition_size == 504);
  CHECK(plan.num_partitions == 10);
  // A partition smaller than a block is one block.
  plan = plan_attention_split(Config{.mode = Mode::kAlways, .partition_size = 8}, 1, 8, 100, 16, 132);
  CHECK(plan.partition_size == 16);
  CHECK(plan.num_partitions == 7);
}

TEST_CASE("split-K plan: kAlways and kNever force the path whatever the shape", "[attention_split]") {
  // kAlways: even a one-key row takes the split kernel (one partition), even on a full grid.
  AttentionSplitPlan plan = plan_attention_split(Config{.mode = Mode::kAlways}, 1, 1, 1, 16, 132);
  CHECK(plan.partition_size == 512);
  CHECK(plan.num_partitions == 1);
  plan = plan_attention_split(Config{.mode = Mode::kAlways, .partition_size = 16}, 4096, 32, 40, 16, 132);
  CHECK(plan.partition_size == 16);
  CHECK(plan.num_partitions == 3);
  // kNever: the unsplit kernel for the shape kAuto would split.
  plan = plan_attention_split(Config{.mode = Mode::kNever}, 1, 16, 5000, 16, 132);
  CHECK(plan.partition_size == 0);
  CHECK(plan.num_partitions == 0);
}

TEST_CASE("split-K plan: the partition count stays within gridDim.z", "[attention_split]") {
  // 1-key partitions of 1-key blocks over 200000 keys would need 200000 partitions: they grow to
  // ceil(200000 / 65535) = 4 keys, 50000 partitions.
  const AttentionSplitPlan plan =
      plan_attention_split(Config{.mode = Mode::kAlways, .partition_size = 1}, 1, 1, 200000, 1, 132);
  CHECK(plan.partition_size == 4);
  CHECK(plan.num_partitions == 50000);
  CHECK(plan.num_partitions <= kMaxAttentionPartitions);
  // Whole blocks still: 16-key blocks over 2^21 keys need 33 keys -> 48 (3 blocks).
  const AttentionSplitPlan blocks = plan_attention_split(Config{.mode = Mode::kAlways, .partition_size = 16}, 1, 1,
                                                         int64_t{1} << 21, 16, 132);
  CHECK(blocks.partition_size == 48);
  CHECK(blocks.num_partitions == ((int64_t{1} << 21) + 47) / 48);
  CHECK(blocks.num_partitions <= kMaxAttentionPartitions);
}
