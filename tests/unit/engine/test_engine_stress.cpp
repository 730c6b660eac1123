// Stress: 500 randomized requests (random prompt lengths, sampling settings, max_tokens, arrival times and
// aborts of waiting and running requests) through the engine with a tiny KV budget. After every step the
// scheduler and block manager invariants hold; the loop is bounded (no deadlock); every request ends exactly
// once; at the end every block is free.
#include <catch2/catch.hpp>

#include <set>

#include "engine_test_util.h"

using namespace edgeserve;
using namespace edgeserve::test;

TEST_CASE("500 random requests with aborts on a tiny KV cache", "[engine][stress]") {
  TinyModel model("qwen3-tied");
  const auto vocab = static_cast<int32_t>(model.files.config().vocab_size);
  EngineOptions options;
  options.num_kv_blocks = 40;            // 640 tokens
  options.block_size = 16;
  options.max_num_seqs = 16;
  options.max_num_batched_tokens = 96;
  options.max_model_len = 200;
  auto engine = model.engine(options);

  std::mt19937 rng(99);
  constexpr int kNumRequests = 500;
  int next_id = 0;
  std::set<int64_t> live;
  std::set<int64_t> ended;
  int64_t num_aborted = 0, num_tokens = 0;

  for (int64_t step = 0; next_id < kNumRequests || engine->has_unfinished_requests(); ++step) {
    REQUIRE(step < 200000);
    // Arrivals: a few per step until all are in.
    for (int k = static_cast<int>(rng() % 4); k > 0 && next_id < kNumRequests; --k) {
      SamplingParams p;
      p.max_tokens = 1 + static_cast<int64_t>(rng() % 40);
      p.temperature = (rng() % 2) ? 0.0 : 0.8;
      p.top_k = static_cast<int64_t>(rng() % 20);
      p.seed = rng();
      p.ignore_eos = rng() % 3 == 0;
      // Shared prefixes now and then, so prefix caching and eviction run too.
      auto prompt = random_prompt(rng, 1 + static_cast<int32_t>(rng() % 180), vocab);
      if (rng() % 3 == 0 && prompt.size() > 40) std::fill(prompt.begin(), prompt.begin() + 32, 7);
      add(*engine, next_id, prompt, p);
      live.insert(next_id++);
    }
    // Aborts: now and then, a random live request (waiting or running).
    if (!live.empty() && rng() % 7 == 0) {
      auto it = live.begin();
      std::advance(it, static_cast<long>(rng() % live.size()));
      REQUIRE(engine->abort_request(*it));
      ended.insert(*it);
      live.erase(it);
      num_aborted += 1;
      REQUIRE_NOTHROW(engine->scheduler().check_invariants());
    }
    for (const RequestOutput& o : engine->step()) {
      REQUIRE(o.error.empty());
      REQUIRE(live.count(o.request_id) == 1);
      num_tokens += o.token_id >= 0 ? 1 : 0;
      if (o.finished()) {
        REQUIRE(ended.insert(o.request_id).second);
        live.erase(o.request_id);
      }
    }
    REQUIRE_NOTHROW(engine->scheduler().check_invariants());
  }
  CHECK(live.empty());
  CHECK(ended.size() == static_cast<size_t>(kNumRequests));
  CHECK(num_aborted > 20);
  CHECK(num_tokens > 1000);
  CHECK(engine->stats().counters.num_preemptions > 0);
  CHECK(engine->stats().counters.prefix_cache_hits > 0);
  CHECK(engine->scheduler().block_manager().num_free_blocks() == engine->num_kv_blocks());
  CHECK(engine->scheduler().block_manager().usage() == 0.0);
}
