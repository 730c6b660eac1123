// Batch invariance on the tiny random checkpoints, greedy: each request's tokens are identical when it runs
// alone, among 50 others, with its prompt chunked at 7 and at 64 tokens, after being preempted (tiny KV
// budget), and when its prefix was cached by an earlier request. The reference is the request alone.
#include <catch2/catch.hpp>

#include "engine_test_util.h"

using namespace edgeserve;
using namespace edgeserve::test;

namespace {

constexpr int kNumRequests = 51;
constexpr int64_t kMaxTokens = 12;

struct Workload {
  std::vector<std::vector<int32_t>> prompts;
};

Workload make_workload(int32_t vocab) {
  std::mt19937 rng(1234);
  Workload w;
  for (int i = 0; i < kNumRequests; ++i)
    w.prompts.push_back(random_prompt(rng, 1 + static_cast<int32_t>(rng() % 150), vocab));
  return w;
}

std::map<int64_t, std::vector<int32_t>> run_all(TinyModel& model, const Workload& w, EngineOptions options,
                                                 EngineStats* stats = nullptr) {
  auto engine = model.engine(options);
  for (int i = 0; i < kNumRequests; ++i) add(*engine, i, w.prompts[static_cast<size_t>(i)], greedy(kMaxTokens));
  auto tokens = run_to_completion(*engine);
  if (stats) *stats = engine->stats();
  CHECK(engine->scheduler().block_manager().num_free_blocks() == engine->num_kv_blocks());
  return tokens;
}

}  // namespace

TEST_CASE("greedy tokens are the same alone, batched, chunked, preempted and prefix-cached", "[engine][batching]") {
  const char* names[] = {"qwen3-tied", "llama-untied-rope-scaling", "qwen2-bias-tied", "qwen3-untied-mha"};
  for (const char* name : names) {
    SECTION(name) {
      TinyModel model(name);
      const Workload w = make_workload(static_cast<int32_t>(model.files.config().vocab_size));
      EngineOptions base;
      base.num_kv_blocks = 1024;
      base.max_num_seqs = 64;

      // Alone: one request per engine, caching off.
      std::map<int64_t, std::vector<int32_t>> alone;
      for (int i = 0; i < kNumRequests; ++i) {
        EngineOptions o = base;
        o.enable_prefix_caching = false;
        auto engine = model.engine(o);
        add(*engine, i, w.prompts[static_cast<size_t>(i)], greedy(kMaxTokens));
        alone[i] = run_to_completion(*engine)[i];
        REQUIRE(alone[i].size() == static_cast<size_t>(kMaxTokens));
      }

      EngineOptions batched = base;
      batched.enable_prefix_caching = false;
      CHECK(run_all(model, w, batched) == alone);

      EngineOptions chunk7 = batched;
      chunk7.max_num_batched_tokens = 7;
      CHECK(run_all(model, w, chunk7) == alone);

      EngineOptions chunk64 = batched;
      chunk64.max_num_batched_tokens = 64;
      CHECK(run_all(model, w, chunk64) == alone);

      EngineOptions tiny_kv = batched;
      tiny_kv.num_kv_blocks = 24;   // 384 tokens for 51 requests of up to 162: preemption is certain
      EngineStats stats;
      CHECK(run_all(model, w, tiny_kv, &stats) == alone);
      CHECK(stats.counters.num_preemptions > 0);

      // Prefix-cached: every prompt runs once to fill the cache, then again; the second runs hit it.
      EngineOptions cached = base;
      auto engine = model.engine(cached);
      for (int i = 0; i < kNumRequests; ++i) add(*engine, i, w.prompts[static_cast<size_t>(i)], greedy(kMaxTokens));
      CHECK(run_to_completion(*engine) == alone);
      const int64_t hits_before = engine->stats().counters.prefix_cache_hits;
      for (int i = 0; i < kNumRequests; ++i)
        add(*engine, 100 + i, w.prompts[static_cast<size_t>(i)], greedy(kMaxTokens));
      auto second = run_to_completion(*engine);
      CHECK(engine->stats().counters.prefix_cache_hits > hits_before);
      for (int i = 0; i < kNumRequests; ++i) CHECK(second[100 + i] == alone[i]);
    }
  }
}
