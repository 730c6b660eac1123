// Automatic prefix caching with exact block ids and ref counts: share, release, LRU eviction, duplicates,
// and keys that must never match another prompt's blocks. Expectations are worked out by hand from the
// documented policy (free tail-first, uncached blocks at the front, cached at the back).
#include <catch2/catch.hpp>

#include <numeric>
#include <vector>

#include "kvcache/block_manager.h"

using edgeserve::BlockManager;
using edgeserve::PrefixCacheCursor;

namespace {

std::vector<int32_t> iota_tokens(int32_t n, int32_t first) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  std::iota(t.begin(), t.end(), first);
  return t;
}

void check(const BlockManager& bm, std::vector<const std::vector<int32_t>*> tables) {
  std::vector<std::span<const int32_t>> spans;
  for (const auto* t : tables) spans.emplace_back(*t);
  REQUIRE_NOTHROW(bm.check_invariants(spans));
}

}  // namespace

TEST_CASE("full computed blocks are cached and shared by a later prompt with the same prefix", "[kvcache]") {
  BlockManager bm(6, 4, true);
  const auto a_tokens = iota_tokens(10, 100);          // 100..109: blocks [100..103] [104..107] [108 109]
  std::vector<int32_t> a;
  PrefixCacheCursor a_cursor;
  REQUIRE(bm.find_cached_prefix(a_tokens, 9).blocks.empty());
  REQUIRE(bm.allocate_slots(a, {}, 10));
  CHECK(a == std::vector<int32_t>{0, 1, 2});
  bm.cache_full_blocks(a, a_tokens, 6, a_cursor);      // only block 0 is full of computed tokens
  CHECK(bm.is_cached(0));
  CHECK_FALSE(bm.is_cached(1));
  CHECK(a_cursor.num_cached_blocks == 1);
  bm.cache_full_blocks(a, a_tokens, 10, a_cursor);
  CHECK(bm.is_cached(1));
  CHECK_FALSE(bm.is_cached(2));                        // partial block
  CHECK(bm.num_cached_blocks() == 2);

  auto b_tokens = iota_tokens(8, 100);
  b_tokens.push_back(7);
  b_tokens.push_back(8);                               // same two blocks, then different
  const auto hit = bm.find_cached_prefix(b_tokens, static_cast<int64_t>(b_tokens.size()) - 1);
  CHECK(hit.blocks == std::vector<int32_t>{0, 1});
  CHECK(hit.num_tokens(4) == 8);
  std::vector<int32_t> b;
  REQUIRE(bm.allocate_slots(b, hit.blocks, 10));
  CHECK(b == std::vector<int32_t>{0, 1, 3});
  CHECK(bm.ref_count(0) == 2);
  CHECK(bm.ref_count(1) == 2);
  CHECK(bm.ref_count(3) == 1);
  check(bm, {&a, &b});

  // A prompt that IS the two blocks exactly may only reuse the first: its last token must run.
  const auto exact = iota_tokens(8, 100);
  CHECK(bm.find_cached_prefix(exact, 7).blocks == std::vector<int32_t>{0});
}

TEST_CASE("released cached blocks stay reusable until evicted, least recently freed first", "[kvcache]") {
  BlockManager bm(6, 4, true);
  const auto tokens = iota_tokens(10, 100);
  std::vector<int32_t> a, b;
  PrefixCacheCursor cursor;
  REQUIRE(bm.allocate_slots(a, {}, 10));               // 0 1 2
  bm.cache_full_blocks(a, tokens, 10, cursor);         // 0 and 1 cached
  REQUIRE(bm.allocate_slots(b, {}, 4));                // 3
  bm.free(a);   // 2 (uncached) -> front; 1 then 0 -> back. Queue: 2 4 5 1 0
  CHECK(bm.ref_count(0) == 0);
  CHECK(bm.is_cached(0));
  CHECK(bm.num_free_blocks() == 5);
  check(bm, {&b});

  // Reuse: the cached blocks leave the free queue; the new block comes from the front.
  const auto hit = bm.find_cached_prefix(tokens, 9);
  REQUIRE(hit.blocks == std::vector<int32_t>{0, 1});
  std::vector<int32_t> c;
  REQUIRE(bm.allocate_slots(c, hit.blocks, 10));
  CHECK(c == std::vector<int32_t>{0, 1, 2});
  CHECK(bm.num_free_blocks() == 2);                    // 4 5
  bm.free(c);                                          // queue: 2 4 5 1 0
  bm.free(b);                                          // queue: 3 2 4 5 1 0

  // Four new blocks take 3 2 4 5 and leave both cached blocks.
  std::vector<int32_t> d;
  REQUIRE(bm.allocate_slots(d, {}, 16));
  CHECK(d == std::vector<int32_t>{3, 2, 4, 5});
  CHECK(bm.find_cached_prefix(tokens, 9).blocks == std::vector<int32_t>{0, 1});
  // One more evicts block 1 (the prompt's tail) before block 0.
  REQUIRE(bm.allocate_slots(d, {}, 17));
  CHECK(d.back() == 1);
  CHECK_FALSE(bm.is_cached(1));
  CHECK(bm.is_cached(0));
  CHECK(bm.find_cached_prefix(tokens, 9).blocks == std::vector<int32_t>{0});
  check(bm, {&d});
}

TEST_CASE("taking a cached free block counts against the free blocks", "[kvcache]") {
  BlockManager bm(3, 4, true);
  const auto tokens = iota_tokens(8, 1);
  std::vector<int32_t> a;
  PrefixCacheCursor cursor;
  REQUIRE(bm.allocate_slots(a, {}, 8));
  bm.cache_full_blocks(a, tokens, 8, cursor);
  bm.free(a);                                          // 2 at front; then 1, 0 at the back: 2 1 0
  auto longer = iota_tokens(8, 1);
  for (int i = 0; i < 8; ++i) longer.push_back(50 + i);
  const auto hit = bm.find_cached_prefix(longer, 15);
  REQUIRE(hit.blocks.size() == 2);
  std::vector<int32_t> b;
  // 16 tokens need 4 blocks: 2 cached + 2 new, but only 1 block is free besides the cached ones.
  CHECK_FALSE(bm.allocate_slots(b, hit.blocks, 16));
  CHECK(b.empty());
  CHECK(bm.ref_count(0) == 0);
  REQUIRE(bm.allocate_slots(b, hit.blocks, 12));
  CHECK(b == std::vector<int32_t>{0, 1, 2});
  check(bm, {&b});
}

TEST_CASE("the same block computed twice is cached once and the chain continues through it", "[kvcache]") {
  BlockManager bm(8, 4, true);
  const auto a_tokens = iota_tokens(8, 10);
  auto b_tokens = iota_tokens(4, 10);
  for (int i = 0; i < 4; ++i) b_tokens.push_back(90 + i);
  std::vector<int32_t> a, b;
  PrefixCacheCursor ca, cb;
  // Both prefilled before either registered (two requests in one step): nobody hit the cache.
  REQUIRE(bm.allocate_slots(a, {}, 8));                // 0 1
  REQUIRE(bm.allocate_slots(b, {}, 8));                // 2 3
  bm.cache_full_blocks(a, a_tokens, 8, ca);
  bm.cache_full_blocks(b, b_tokens, 8, cb);
  CHECK(bm.is_cached(0));
  CHECK_FALSE(bm.is_cached(2));                        // duplicate of block 0
  CHECK(bm.is_cached(3));                              // keyed as the child of block 0
  CHECK(cb.parent_block == 3);
  const auto hit = bm.find_cached_prefix(b_tokens, 8);
  CHECK(hit.blocks == std::vector<int32_t>{0, 3});
  check(bm, {&a, &b});
}

TEST_CASE("a child keyed by an evicted parent never matches the parent's new contents", "[kvcache]") {
  BlockManager bm(4, 2, true);
  const std::vector<int32_t> x_y{1, 2, 3, 4};          // blocks [1 2] [3 4]
  const std::vector<int32_t> x_w{1, 2, 7, 8};
  std::vector<int32_t> a, b;
  PrefixCacheCursor ca, cb;
  REQUIRE(bm.allocate_slots(a, {}, 4));                // 0 1
  REQUIRE(bm.allocate_slots(b, {}, 4));                // 2 3
  bm.cache_full_blocks(a, x_y, 4, ca);                 // 0 = [1 2], 1 = [3 4] child of 0
  bm.cache_full_blocks(b, x_w, 4, cb);                 // 2 duplicate; 3 = [7 8] child of 0
  REQUIRE(bm.is_cached(3));
  bm.free(a);                                          // 1 then 0 at the back
  // Evict both of a's blocks while b still holds block 3 (keyed by block 0's old generation).
  std::vector<int32_t> c, d;
  REQUIRE(bm.allocate_slots(c, {}, 2));
  REQUIRE(bm.allocate_slots(d, {}, 2));
  CHECK(c == std::vector<int32_t>{1});
  CHECK(d == std::vector<int32_t>{0});
  CHECK_FALSE(bm.is_cached(0));
  // Block 0 now holds [5 6], cached again: [5 6][7 8] must still not reach b's block 3.
  PrefixCacheCursor cd;
  bm.cache_full_blocks(d, std::vector<int32_t>{5, 6}, 2, cd);
  REQUIRE(bm.is_cached(0));
  const std::vector<int32_t> z_w{5, 6, 7, 8};
  CHECK(bm.find_cached_prefix(z_w, 4).blocks == std::vector<int32_t>{0});
  CHECK(bm.find_cached_prefix(x_w, 4).blocks.empty());
  check(bm, {&b, &c, &d});
}

TEST_CASE("prefix caching off never caches or finds anything", "[kvcache]") {
  BlockManager bm(4, 2, false);
  const std::vector<int32_t> t{1, 2, 3, 4, 5};
  std::vector<int32_t> a;
  PrefixCacheCursor cursor;
  REQUIRE(bm.allocate_slots(a, {}, 5));
  bm.cache_full_blocks(a, t, 5, cursor);
  CHECK(bm.num_cached_blocks() == 0);
  CHECK(bm.find_cached_prefix(t, 4).blocks.empty());
}

TEST_CASE("reset_prefix_cache forgets the free cached blocks only", "[kvcache]") {
  BlockManager bm(4, 2, true);
  const std::vector<int32_t> t{1, 2, 3, 4, 5};
  std::vector<int32_t> a, b;
  PrefixCacheCursor ca, cb;
  REQUIRE(bm.allocate_slots(a, {}, 5));                // 0 1 2
  bm.cache_full_blocks(a, t, 5, ca);                   // 0 1 cached
  const auto hit = bm.find_cached_prefix(t, 3);        // [1 2] only (3 tokens max)
  REQUIRE(bm.allocate_slots(b, hit.blocks, 3));        // b = 0 3
  bm.free(a);                                          // 1 free and cached, 0 held by b
  CHECK(bm.reset_prefix_cache() == 1);
  CHECK(bm.is_cached(0));
  CHECK_FALSE(bm.is_cached(1));
  check(bm, {&b});
}
