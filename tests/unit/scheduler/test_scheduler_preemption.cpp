// Preemption by recompute when blocks run out, with exact step outputs worked out by hand: the newest running
// sequence gives its blocks back, keeps its tokens, and is recomputed (prompt + output so far) later.
#include <catch2/catch.hpp>

#include "scheduler_test_util.h"

using namespace edgeserve;
using edgeserve::test::describe;
using edgeserve::test::make_sequence;
using edgeserve::test::table;

TEST_CASE("the newest running sequence is preempted and recomputed after the older one finishes",
          "[scheduler]") {
  Scheduler s({4, 100}, 4, 2, false);          // 4 blocks of 2 tokens
  s.add_sequence(make_sequence(1, 3, 3));
  s.add_sequence(make_sequence(2, 3, 3));
  auto out = s.schedule();
  CHECK(describe(out) == "1:0+3s 2:0+3s");
  CHECK(table(out, 1) == std::vector<int32_t>{0, 1});
  CHECK(table(out, 2) == std::vector<int32_t>{2, 3});
  s.update(out, std::vector<int32_t>{50, 60});

  out = s.schedule();                          // 4 tokens each still fit in 2 blocks
  CHECK(describe(out) == "1:3+1s 2:3+1s");
  s.update(out, std::vector<int32_t>{51, 61});

  out = s.schedule();                          // 1 needs a third block: 2 gives its blocks back
  CHECK(describe(out) == "1:4+1s");
  CHECK(out.preempted_seq_ids == std::vector<int64_t>{2});
  CHECK(table(out, 1) == std::vector<int32_t>{0, 1, 2});   // 2 freed tail first: queue 2 3
  CHECK(s.counters().num_preemptions == 1);
  const Sequence* two = s.find(2);
  REQUIRE(two != nullptr);
  CHECK(two->status() == SequenceStatus::kWaiting);
  CHECK(two->num_computed_tokens() == 0);
  CHECK(two->num_tokens() == 5);               // its output survives
  REQUIRE_NOTHROW(s.check_invariants());
  auto ups = s.update(out, std::vector<int32_t>{52});
  CHECK(ups[0].finish_reason == FinishReason::kLength);

  out = s.schedule();                          // recompute: 5 known tokens, the last one samples
  CHECK(describe(out) == "2:0+5s");
  CHECK(table(out, 2) == std::vector<int32_t>{0, 1, 2});
  s.update(out, std::vector<int32_t>{62});
  CHECK_FALSE(s.has_unfinished());
  CHECK(s.find(2) == nullptr);
  CHECK(s.block_manager().num_free_blocks() == 4);
}

TEST_CASE("a sequence that is itself the newest preempts itself", "[scheduler]") {
  Scheduler s({4, 100}, 5, 2, false);
  s.add_sequence(make_sequence(1, 4, 10));     // 2 blocks
  s.add_sequence(make_sequence(2, 5, 10));     // 3 blocks
  auto out = s.schedule();
  CHECK(describe(out) == "1:0+4s 2:0+5s");
  s.update(out, std::vector<int32_t>{70, 80});
  // 1 needs a third block (5 tokens) and takes the preempted 2's blocks.
  out = s.schedule();
  CHECK(describe(out) == "1:4+1s");
  CHECK(out.preempted_seq_ids == std::vector<int64_t>{2});
  s.update(out, std::vector<int32_t>{71});
  // 2 waits: it needs 3 blocks for 6 tokens, 2 are free.
  out = s.schedule();
  CHECK(describe(out) == "1:5+1s");
  REQUIRE_NOTHROW(s.check_invariants());
}

TEST_CASE("while decoding, a running sequence that finds no block preempts newer ones first", "[scheduler]") {
  Scheduler s({4, 100}, 3, 2, false);
  s.add_sequence(make_sequence(1, 2, 10));
  s.add_sequence(make_sequence(2, 1, 10));
  s.add_sequence(make_sequence(3, 1, 10));
  auto out = s.schedule();
  CHECK(describe(out) == "1:0+2s 2:0+1s 3:0+1s");
  s.update(out, std::vector<int32_t>{1, 1, 1});
  out = s.schedule();                          // 1 needs block 2 of its own: 3, the newest, goes
  CHECK(describe(out) == "1:2+1s 2:1+1s");
  CHECK(out.preempted_seq_ids == std::vector<int64_t>{3});
  REQUIRE_NOTHROW(s.check_invariants());
}
