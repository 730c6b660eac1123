// BlockManager allocate / grow / release with exact block ids and ref counts (prefix caching off, then the
// free-queue order with caching on). The expectations are worked out by hand from the documented policy.
#include <catch2/catch.hpp>

#include <vector>

#include "kvcache/block_manager.h"

using edgeserve::BlockManager;

namespace {

void check(const BlockManager& bm, std::vector<std::vector<int32_t>*> tables) {
  std::vector<std::span<const int32_t>> spans;
  for (auto* t : tables) spans.emplace_back(*t);
  REQUIRE_NOTHROW(bm.check_invariants(spans));
}

}  // namespace

TEST_CASE("allocate takes free blocks in order and grows by whole blocks", "[kvcache]") {
  BlockManager bm(8, 4, false);
  std::vector<int32_t> a, b;
  REQUIRE(bm.allocate_slots(a, {}, 5));          // 5 tokens -> 2 blocks
  CHECK(a == std::vector<int32_t>{0, 1});
  REQUIRE(bm.allocate_slots(b, {}, 4));
  CHECK(b == std::vector<int32_t>{2});
  REQUIRE(bm.allocate_slots(a, {}, 8));          // still 2 blocks
  CHECK(a == std::vector<int32_t>{0, 1});
  REQUIRE(bm.allocate_slots(a, {}, 9));          // grows by one
  CHECK(a == std::vector<int32_t>{0, 1, 3});
  CHECK(bm.num_free_blocks() == 4);
  CHECK(bm.usage() == Approx(0.5));
  CHECK(bm.ref_count(3) == 1);
  CHECK(bm.ref_count(4) == 0);
  check(bm, {&a, &b});
}

TEST_CASE("allocate fails without changing anything when blocks run out", "[kvcache]") {
  BlockManager bm(4, 4, false);
  std::vector<int32_t> a, b;
  REQUIRE(bm.allocate_slots(a, {}, 12));
  CHECK_FALSE(bm.allocate_slots(b, {}, 8));
  CHECK(b.empty());
  CHECK(bm.num_free_blocks() == 1);
  CHECK_FALSE(bm.allocate_slots(a, {}, 17));
  CHECK(a == std::vector<int32_t>{0, 1, 2});
  REQUIRE(bm.allocate_slots(a, {}, 16));
  CHECK(bm.num_free_blocks() == 0);
  check(bm, {&a, &b});
}

TEST_CASE("free returns uncached blocks to the front of the queue", "[kvcache]") {
  BlockManager bm(6, 2, false);
  std::vector<int32_t> a, b;
  REQUIRE(bm.allocate_slots(a, {}, 6));   // 0 1 2
  REQUIRE(bm.allocate_slots(b, {}, 2));   // 3
  bm.free(a);
  CHECK(a.empty());
  CHECK(bm.ref_count(0) == 0);
  // Freed tail first to the front: the queue is 0 1 2 4 5, so the next allocation reuses 0 then 1.
  std::vector<int32_t> c;
  REQUIRE(bm.allocate_slots(c, {}, 6));
  CHECK(c == std::vector<int32_t>{0, 1, 2});
  REQUIRE(bm.allocate_slots(c, {}, 8));
  CHECK(c == std::vector<int32_t>{0, 1, 2, 4});
  check(bm, {&b, &c});
}

TEST_CASE("check_invariants names a ref count that disagrees with the tables", "[kvcache]") {
  BlockManager bm(4, 4, false);
  std::vector<int32_t> a;
  REQUIRE(bm.allocate_slots(a, {}, 4));
  std::vector<std::span<const int32_t>> none;
  CHECK_THROWS_WITH(bm.check_invariants(none), Catch::Contains("block 0 has ref_count 1 but 0"));
}
