// plan_attention_split (engine/backend/cuda/attention_split.h) and the tile geometry of tiled attention
// (attention_tiles.cuh), host arithmetic only: runs without a GPU.
// Reference: the rules the headers state, worked by hand for each shape (partitions of whole KV blocks,
// ceil(max_context_len / partition_size) of them, kAuto only when tokens * heads < 2 * SMs and some row
// spans two partitions, gridDim.z <= 65535; ceil(q_len / rows_per_tile) tiles per sequence of 16 / group
// rows, shared memory within 48 KiB up to head_dim 256, conflict-free K rows).
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "engine/backend/cuda/attention_split.h"
#include "engine/backend/cuda/attention_tiles.cuh"

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

TEST_CASE("tiled attention: a tile is 16 query vectors of one sequence's rows and one group's heads",
          "[attention_split]") {
  CHECK(AttentionSplitConfig{}.tiled);  // the tiled kernel is the default unsplit path
  // rows_per_tile = 16 / min(group, 16); groups past 16 take several 16-head chunks of one row.
  CHECK(tiled::rows_per_tile(1) == 16);
  CHECK(tiled::rows_per_tile(2) == 8);  // Qwen3-0.6B: 16 / 8 heads
  CHECK(tiled::rows_per_tile(3) == 5);  // 15 of the 16 vectors used
  CHECK(tiled::rows_per_tile(4) == 4);  // Llama-3.2-1B: 32 / 8 heads
  CHECK(tiled::rows_per_tile(16) == 1);
  CHECK(tiled::rows_per_tile(32) == 1);
  CHECK(tiled::head_chunks(16) == 1);
  CHECK(tiled::head_chunks(24) == 2);  // 16 heads, then 8
  CHECK(tiled::heads_per_chunk(24) == 16);
  CHECK(tiled::heads_per_chunk(2) == 2);
}

TEST_CASE("tiled attention: tiles cover each sequence's new rows in order, never across sequences",
          "[attention_split]") {
  std::vector<int32_t> tiles;
  // Sequences of 5, 0, 1 and 17 new rows, 8 rows per tile: 1 + 0 + 1 + 3 tiles.
  const std::vector<int32_t> query_start = {0, 5, 5, 6, 23};
  REQUIRE(tiled::build_attention_tiles(query_start, 8, tiles) == 5);
  CHECK(tiles == std::vector<int32_t>{0, 0, 5, /**/ 2, 0, 1, /**/ 3, 0, 8, /**/ 3, 8, 8, /**/ 3, 16, 1});
  // A decode step of B sequences: B one-row tiles whatever the group (the graph code needs a count that
  // depends only on the shapes).
  const std::vector<int32_t> decode = {0, 1, 2, 3, 4, 5, 6, 7};
  for (int64_t rows : {1, 4, 16}) {
    REQUIRE(tiled::build_attention_tiles(decode, rows, tiles) == 7);
    for (int32_t s = 0; s < 7; ++s) {
      CHECK(tiles[3 * s] == s);
      CHECK(tiles[3 * s + 1] == 0);
      CHECK(tiles[3 * s + 2] == 1);
    }
  }
  // A 300-row prefill in 16-row tiles: 18 full tiles and one of 12 rows.
  REQUIRE(tiled::build_attention_tiles(std::vector<int32_t>{0, 300}, 16, tiles) == 19);
  CHECK(tiles[3 * 18 + 1] == 288);
  CHECK(tiles[3 * 18 + 2] == 12);
  // The vector is rebuilt in place: a smaller list keeps its storage (its host address stays stable).
  const int32_t* before = tiles.data();
  REQUIRE(tiled::build_attention_tiles(std::vector<int32_t>{0, 1}, 16, tiles) == 1);
  CHECK(tiles.data() == before);
  CHECK(tiles.size() == 3);
  REQUIRE(tiled::build_attention_tiles(std::vector<int32_t>{0}, 16, tiles) == 0);  // no sequences
  CHECK(tiles.empty());
}

TEST_CASE("tiled attention: shared memory fits 48 KiB up to head_dim 256 and K rows are bank-conflict free",
          "[attention_split]") {
  // Bytes by the layout attention_tiles.cuh lists: slots, q [16, hd], k [keys, stride], v [keys, hd], p.
  CHECK(tiled::shared_bytes(64) == 4 * (64 + 16 * 64 + 32 * 65 + 32 * 64 + 16 * 32));
  CHECK(tiled::shared_bytes(128) == 4 * (64 + 16 * 128 + 32 * 129 + 32 * 128 + 16 * 32));   // 43392
  CHECK(tiled::shared_bytes(256) == 4 * (16 + 16 * 256 + 8 * 260 + 8 * 256 + 16 * 8));      // 33472
  for (int64_t hd = 1; hd <= 256; ++hd) CHECK(tiled::shared_bytes(hd) <= tiled::kDefaultSharedBytes);
  CHECK(tiled::shared_bytes(512) > tiled::kDefaultSharedBytes);  // the one instance that opts in
  CHECK(tiled::shared_bytes(512) <= 99 * 1024);                  // within sm_86 / sm_89's opt-in limit
  // Lane (slice s, key j) of a warp reads K[j][s + slices * m]: the 32 lanes hit 32 distinct banks.
  for (int64_t hd = 1; hd <= 512; ++hd) {
    const int keys = tiled::key_chunk(tiled::dims_per_lane(hd));
    const int64_t stride = tiled::key_stride(hd, keys), slices = 32 / keys;
    REQUIRE(stride >= hd);
    for (int64_t m = 0; m < 2; ++m) {
      std::set<int64_t> banks;
      for (int64_t lane = 0; lane < 32; ++lane) banks.insert((lane % keys * stride + lane / keys + slices * m) % 32);
      CHECK(banks.size() == 32);
    }
  }
}
