// pad_decode_batch and graph_batch_sizes_upto against hand-computed arrays (the reference is the
// definition in engine/graph_padding.h worked out by hand for each case): bucket and width choice, every
// padded array, the graph key, the ineligible steps that must run eagerly, and capacity reuse.
#include <catch2/catch.hpp>

#include <vector>

#include "engine/graph_padding.h"

using namespace edgeserve;

namespace {

const std::vector<int32_t> kSizes{1, 2, 4, 8};

// A decode step of `context_lens.size()` sequences with the given block table width (block_size 4):
// sequence s decodes token 10 + s at position context_lens[s] - 1; its blocks are 10 * s + 1, 10 * s + 2, ...
ForwardBatch decode_batch(const std::vector<int32_t>& context_lens, int32_t max_blocks_per_seq) {
  ForwardBatch b;
  const auto num_seqs = static_cast<int32_t>(context_lens.size());
  b.query_start.push_back(0);
  for (int32_t s = 0; s < num_seqs; ++s) {
    const int32_t pos = context_lens[static_cast<size_t>(s)] - 1;
    b.token_ids.push_back(10 + s);
    b.positions.push_back(pos);
    b.slot_mapping.push_back(int64_t{10 * s + 1 + pos / 4} * 4 + pos % 4);
    b.query_start.push_back(s + 1);
    b.context_lens.push_back(pos + 1);
    for (int32_t i = 0; i < max_blocks_per_seq; ++i)
      b.block_tables.push_back(i < (pos + 4) / 4 ? 10 * s + 1 + i : 0);
    b.logits_rows.push_back(s);
    b.sampling_seqs.push_back(s);
  }
  b.max_blocks_per_seq = max_blocks_per_seq;
  return b;
}

void check_unchanged(const ForwardBatch& padded) {
  CHECK(padded.token_ids == std::vector<int32_t>{99});
  CHECK(padded.positions.empty());
  CHECK(padded.block_tables == std::vector<int32_t>{7, 7});
  CHECK(padded.max_blocks_per_seq == 5);
}

ForwardBatch stale() {
  ForwardBatch p;
  p.token_ids = {99};
  p.block_tables = {7, 7};
  p.max_blocks_per_seq = 5;
  return p;
}

}  // namespace

TEST_CASE("graph padding: 3 decode rows pad to 4, width 3 to 4, every array by hand", "[engine][graph]") {
  // Contexts 6, 10, 3 -> positions 5, 9, 2; blocks: seq 0 {1, 2}, seq 1 {11, 12, 13}, seq 2 {21}.
  const ForwardBatch batch = decode_batch({6, 10, 3}, 3);
  REQUIRE(batch.slot_mapping == std::vector<int64_t>{9, 53, 86});
  ForwardBatch padded;
  const auto key = pad_decode_batch(batch, kSizes, padded);
  REQUIRE(key);
  CHECK(*key == ((uint64_t{4} << 32) | 4));
  CHECK(*key == graph_key(4, 4));
  CHECK(padded.token_ids == std::vector<int32_t>{10, 11, 12, 0});
  CHECK(padded.positions == std::vector<int32_t>{5, 9, 2, 0});
  CHECK(padded.slot_mapping == std::vector<int64_t>{9, 53, 86, -1});
  CHECK(padded.query_start == std::vector<int32_t>{0, 1, 2, 3, 4});
  CHECK(padded.context_lens == std::vector<int32_t>{6, 10, 3, 1});
  CHECK(padded.max_blocks_per_seq == 4);
  CHECK(padded.block_tables == std::vector<int32_t>{1, 2, 0, 0, 11, 12, 13, 0, 21, 0, 0, 0, 0, 0, 0, 0});
  CHECK(padded.logits_rows == std::vector<int32_t>{0, 1, 2, 3});
  CHECK(padded.sampling_seqs == std::vector<int32_t>{0, 1, 2, 3});
  // The attention invariant (context_len - q_len + i == position) holds for every row, padding included.
  const AttentionMetadata md = padded.attention_metadata();
  for (int32_t s = 0; s < md.num_seqs(); ++s) {
    const int32_t q_len = md.query_start[static_cast<size_t>(s) + 1] - md.query_start[static_cast<size_t>(s)];
    CHECK(q_len == 1);
    CHECK(md.context_lens[static_cast<size_t>(s)] - q_len == md.positions[static_cast<size_t>(s)]);
  }
}

TEST_CASE("graph padding: bucket and width choice", "[engine][graph]") {
  ForwardBatch padded;
  // S == a size: no padding rows; width 5 -> 8.
  auto key = pad_decode_batch(decode_batch({20, 17}, 5), kSizes, padded);
  REQUIRE(key);
  CHECK(*key == graph_key(2, 8));
  CHECK(padded.token_ids == std::vector<int32_t>{10, 11});
  CHECK(padded.slot_mapping == std::vector<int64_t>{4 * 5 + 3, 4 * 15 + 0});
  CHECK(padded.block_tables == std::vector<int32_t>{1, 2, 3, 4, 5, 0, 0, 0, 11, 12, 13, 14, 15, 0, 0, 0});
  // One sequence with width 1 -> 1; width 0 (an empty table) -> 1 as well.
  key = pad_decode_batch(decode_batch({4}, 1), kSizes, padded);
  REQUIRE(key);
  CHECK(*key == graph_key(1, 1));
  CHECK(padded.block_tables == std::vector<int32_t>{1});
  ForwardBatch no_table = decode_batch({1}, 1);
  no_table.block_tables.clear();
  no_table.max_blocks_per_seq = 0;
  key = pad_decode_batch(no_table, kSizes, padded);
  REQUIRE(key);
  CHECK(*key == graph_key(1, 1));
  CHECK(padded.block_tables == std::vector<int32_t>{0});
  CHECK(padded.max_blocks_per_seq == 1);
  // 5 sequences -> 8 with 3 padding rows; width 4 stays 4.
  key = pad_decode_batch(decode_batch({1, 2, 3, 4, 16}, 4), kSizes, padded);
  REQUIRE(key);
  CHECK(*key == graph_key(8, 4));
  CHECK(padded.context_lens == std::vector<int32_t>{1, 2, 3, 4, 16, 1, 1, 1});
  CHECK(padded.slot_mapping == std::vector<int64_t>{4, 45, 86, 127, 4 * 44 + 3, -1, -1, -1});
  CHECK(padded.sampling_seqs == std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(padded.block_tables.size() == 32);
  CHECK(std::vector<int32_t>(padded.block_tables.begin() + 16, padded.block_tables.begin() + 20) ==
        std::vector<int32_t>{41, 42, 43, 44});
  CHECK(std::vector<int32_t>(padded.block_tables.begin() + 20, padded.block_tables.end()) ==
        std::vector<int32_t>(12, 0));
}

TEST_CASE("graph padding: keys differ for different (batch, width) shapes", "[engine][graph]") {
  ForwardBatch padded;
  std::vector<uint64_t> keys;
  for (const auto& [contexts, width] : std::vector<std::pair<std::vector<int32_t>, int32_t>>{
           {{5}, 2}, {{5, 5}, 2}, {{5, 5, 5}, 2}, {{5}, 4}, {{5, 5, 5}, 3}, {{5}, 9}})
    keys.push_back(*pad_decode_batch(decode_batch(contexts, width), kSizes, padded));
  CHECK(keys == std::vector<uint64_t>{graph_key(1, 2), graph_key(2, 2), graph_key(4, 2), graph_key(1, 4),
                                      graph_key(4, 4), graph_key(1, 16)});
  for (size_t i = 0; i < keys.size(); ++i)
    for (size_t j = i + 1; j < keys.size(); ++j)
      CHECK(keys[i] != keys[j]);
  CHECK(graph_key(1, 2) != graph_key(2, 1));
}

TEST_CASE("graph padding: steps it cannot represent run eagerly and leave the output alone", "[engine][graph]") {
  // A prefill row: sequence 1 has 2 new tokens (T = 3 != S = 2).
  ForwardBatch prefill = decode_batch({6, 10}, 3);
  prefill.token_ids.insert(prefill.token_ids.begin() + 1, 42);
  prefill.positions.insert(prefill.positions.begin() + 1, 8);
  prefill.slot_mapping.insert(prefill.slot_mapping.begin() + 1, 48);
  prefill.query_start = {0, 1, 3};
  prefill.logits_rows = {0, 2};
  // A sequence that does not sample (R < S).
  ForwardBatch fewer_rows = decode_batch({6, 10, 3}, 3);
  fewer_rows.logits_rows = {0, 2};
  fewer_rows.sampling_seqs = {0, 2};
  // Logits rows out of order.
  ForwardBatch swapped = decode_batch({6, 10}, 3);
  swapped.logits_rows = {1, 0};
  // More sequences than the largest size.
  const ForwardBatch too_many = decode_batch(std::vector<int32_t>(9, 3), 1);
  const ForwardBatch empty_step;

  const std::vector<std::pair<const char*, const ForwardBatch*>> cases{
      {"prefill row", &prefill}, {"R < S", &fewer_rows}, {"rows out of order", &swapped},
      {"S > largest size", &too_many}, {"no sequences", &empty_step}};
  for (const auto& [name, batch] : cases) {
    INFO(name);
    ForwardBatch padded = stale();
    CHECK_FALSE(pad_decode_batch(*batch, kSizes, padded));
    check_unchanged(padded);
  }
  INFO("no graph sizes");
  ForwardBatch padded = stale();
  CHECK_FALSE(pad_decode_batch(decode_batch({6}, 2), std::span<const int32_t>{}, padded));
  check_unchanged(padded);
  // S == the largest size is still eligible.
  CHECK(pad_decode_batch(decode_batch(std::vector<int32_t>(8, 3), 1), kSizes, padded) == graph_key(8, 1));
}

TEST_CASE("graph padding: a smaller step reuses the padded vectors' memory", "[engine][graph]") {
  ForwardBatch padded;
  REQUIRE(pad_decode_batch(decode_batch({3, 4, 5, 6, 7}, 8), kSizes, padded) == graph_key(8, 8));
  const int32_t* tokens = padded.token_ids.data();
  const int64_t* slots = padded.slot_mapping.data();
  const int32_t* tables = padded.block_tables.data();
  const int32_t* rows = padded.logits_rows.data();
  const int32_t* starts = padded.query_start.data();
  REQUIRE(pad_decode_batch(decode_batch({9, 2, 4}, 3), kSizes, padded) == graph_key(4, 4));
  CHECK(padded.token_ids.data() == tokens);
  CHECK(padded.slot_mapping.data() == slots);
  CHECK(padded.block_tables.data() == tables);
  CHECK(padded.logits_rows.data() == rows);
  CHECK(padded.query_start.data() == starts);
  // The contents are the smaller step's, not leftovers of the larger one.
  CHECK(padded.token_ids == std::vector<int32_t>{10, 11, 12, 0});
  CHECK(padded.block_tables == std::vector<int32_t>{1, 2, 3, 0, 11, 0, 0, 0, 21, 0, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("graph sizes up to the largest decode batch", "[engine][graph]") {
  using V = std::vector<int32_t>;
  const V backend{1, 2, 4, 8, 16, 32};
  CHECK(graph_batch_sizes_upto(backend, 64) == V{1, 2, 4, 8, 16, 32, 64});   // max_batch added
  CHECK(graph_batch_sizes_upto(backend, 32) == V{1, 2, 4, 8, 16, 32});       // already there
  CHECK(graph_batch_sizes_upto(backend, 12) == V{1, 2, 4, 8, 12});
  CHECK(graph_batch_sizes_upto(backend, 1) == V{1});
  CHECK(graph_batch_sizes_upto(V{8, 16}, 4) == V{4});                        // none fits: max_batch alone
  CHECK(graph_batch_sizes_upto(V{}, 64).empty());                            // no graphs
  CHECK(graph_batch_sizes_upto(V{}, 1).empty());
}
