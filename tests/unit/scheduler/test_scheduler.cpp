// Scheduler over scripted multi-step scenarios with exact expectations worked out by hand: token budget,
// chunked prefill, admission order and max_num_seqs, finishing on stop id / max_tokens / context, aborts,
// prefix-cache hits. Invariants are checked after every schedule() and update().
#include <catch2/catch.hpp>

#include "scheduler_test_util.h"

using namespace edgeserve;
using edgeserve::test::describe;
using edgeserve::test::kEos;
using edgeserve::test::make_sequence;
using edgeserve::test::table;

namespace {

SchedulerOutput schedule(Scheduler& s) {
  auto out = s.schedule();
  REQUIRE_NOTHROW(s.check_invariants());
  return out;
}

std::vector<SequenceUpdate> update(Scheduler& s, const SchedulerOutput& out, std::vector<int32_t> sampled) {
  auto updates = s.update(out, sampled);
  REQUIRE_NOTHROW(s.check_invariants());
  return updates;
}

}  // namespace

TEST_CASE("token budget, chunked prefill and finishing on eos and max_tokens", "[scheduler]") {
  Scheduler s({4, 10}, 16, 4, false);
  s.add_sequence(make_sequence(1, 7, 3));
  s.add_sequence(make_sequence(2, 12, 2));

  auto out = schedule(s);                     // 1 takes 7 of the 10 tokens, 2 gets a 3-token chunk
  CHECK(describe(out) == "1:0+7s 2:0+3");
  CHECK(out.num_batched_tokens == 10);
  CHECK(table(out, 1) == std::vector<int32_t>{0, 1});
  CHECK(table(out, 2) == std::vector<int32_t>{2});
  auto ups = update(s, out, {5});
  REQUIRE(ups.size() == 2);
  CHECK(ups[0].token_id == 5);
  CHECK(ups[1].token_id == -1);
  CHECK_FALSE(ups[0].finish_reason);

  out = schedule(s);                          // 1 decodes, 2 finishes its prompt (9 tokens) and samples
  CHECK(describe(out) == "1:7+1s 2:3+9s");
  CHECK(table(out, 2) == std::vector<int32_t>{2, 3, 4});
  update(s, out, {6, 7});

  out = schedule(s);
  CHECK(describe(out) == "1:8+1s 2:12+1s");
  CHECK(table(out, 1) == std::vector<int32_t>{0, 1, 5});
  ups = update(s, out, {kEos, 9});
  CHECK(ups[0].finish_reason == FinishReason::kStop);
  CHECK(ups[1].finish_reason == FinishReason::kLength);   // 2 output tokens = max_tokens
  CHECK_FALSE(s.has_unfinished());
  CHECK(s.block_manager().num_free_blocks() == 16);
  CHECK(s.counters().generation_tokens == 5);
  CHECK(s.counters().prompt_tokens == 19);
  CHECK(s.counters().prompt_tokens_computed == 19);
}

TEST_CASE("max_num_seqs holds admissions back until a sequence finishes", "[scheduler]") {
  Scheduler s({2, 100}, 16, 4, false);
  for (int64_t id = 1; id <= 3; ++id) s.add_sequence(make_sequence(id, 3, id == 1 ? 1 : 5));
  auto out = schedule(s);
  CHECK(describe(out) == "1:0+3s 2:0+3s");
  CHECK(s.num_waiting() == 1);
  auto ups = update(s, out, {11, 12});
  CHECK(ups[0].finish_reason == FinishReason::kLength);
  out = schedule(s);
  CHECK(describe(out) == "2:3+1s 3:0+3s");
  CHECK(table(out, 3) == std::vector<int32_t>{0});   // block 0 came back to the front of the queue
}

TEST_CASE("the head of the queue is not overtaken when blocks are short", "[scheduler]") {
  Scheduler s({8, 100}, 4, 4, false);
  s.add_sequence(make_sequence(1, 8, 10));      // 2 blocks
  s.add_sequence(make_sequence(2, 12, 1));      // 3 blocks: does not fit beside 1
  s.add_sequence(make_sequence(3, 2, 1));       // 1 block: would fit, but waits its turn
  auto out = schedule(s);
  CHECK(describe(out) == "1:0+8s");
  CHECK(s.num_waiting() == 2);
}

TEST_CASE("finishing at the context limit", "[scheduler]") {
  Scheduler s({4, 100}, 16, 4, false);
  s.add_sequence(make_sequence(1, 5, 100, 7));  // context 7: two output tokens at most
  auto out = schedule(s);
  update(s, out, {20});
  out = schedule(s);
  auto ups = update(s, out, {21});
  CHECK(ups[0].finish_reason == FinishReason::kLength);
}

TEST_CASE("min_tokens keeps a stop id from finishing the sequence", "[scheduler]") {
  Scheduler s({4, 100}, 16, 4, false);
  auto seq = make_sequence(1, 3, 10);
  SamplingParams p = seq->params();
  p.min_tokens = 2;
  std::vector<int32_t> prompt(seq->token_ids().begin(), seq->token_ids().end());
  s.add_sequence(std::make_unique<Sequence>(1, prompt, p, 13));
  auto out = schedule(s);
  CHECK_FALSE(update(s, out, {kEos})[0].finish_reason);   // output 1 <= min_tokens
  out = schedule(s);
  CHECK_FALSE(update(s, out, {kEos})[0].finish_reason);   // output 2 <= min_tokens
  out = schedule(s);
  CHECK(update(s, out, {kEos})[0].finish_reason == FinishReason::kStop);
}

TEST_CASE("aborting a waiting and a running sequence frees their blocks", "[scheduler]") {
  Scheduler s({1, 100}, 8, 4, false);
  s.add_sequence(make_sequence(1, 6, 10));
  s.add_sequence(make_sequence(2, 6, 10));
  auto out = schedule(s);
  CHECK(describe(out) == "1:0+6s");
  update(s, out, {30});
  CHECK(s.block_manager().num_free_blocks() == 6);
  CHECK(s.abort_sequence(2));                  // waiting
  CHECK(s.num_waiting() == 0);
  CHECK(s.abort_sequence(1));                  // running
  CHECK(s.num_running() == 0);
  CHECK(s.block_manager().num_free_blocks() == 8);
  CHECK_FALSE(s.abort_sequence(1));
  REQUIRE_NOTHROW(s.check_invariants());
  CHECK(schedule(s).empty());
}

TEST_CASE("a prompt whose prefix was cached starts with num_computed_tokens > 0", "[scheduler]") {
  Scheduler s({4, 100}, 16, 4, true);
  auto first = make_sequence(1, 10, 1);
  std::vector<int32_t> prompt(first->token_ids().begin(), first->token_ids().end());
  s.add_sequence(std::move(first));
  auto out = schedule(s);
  CHECK(table(out, 1) == std::vector<int32_t>{0, 1, 2});
  update(s, out, {40});                        // finishes (max_tokens 1); blocks 0 and 1 stay cached

  prompt.push_back(41);
  prompt.push_back(42);                        // 12 tokens: the first 8 are cached
  SamplingParams p;
  p.max_tokens = 4;
  s.add_sequence(std::make_unique<Sequence>(2, prompt, p, 16));
  out = schedule(s);
  CHECK(describe(out) == "2:8+4s");
  CHECK(table(out, 2) == std::vector<int32_t>{0, 1, 2});   // 2: the front of the free queue
  auto ups = update(s, out, {43});
  CHECK(ups[0].num_cached_prompt_tokens == 8);
  CHECK(s.counters().prefix_cache_queries == 22);
  CHECK(s.counters().prefix_cache_hits == 8);
  CHECK(s.counters().prompt_tokens_computed == 14);
}
