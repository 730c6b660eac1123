// Prefix caching over a 5-turn conversation that resends its whole history each turn: the counters show that
// each turn computes only its new tokens (plus the tail of the last partial block, which is never cached),
// and the answers equal those of an engine without prefix caching.
#include <catch2/catch.hpp>

#include "engine_test_util.h"

using namespace edgeserve;
using namespace edgeserve::test;

TEST_CASE("a 5-turn conversation computes only each turn's new tokens", "[engine][prefix]") {
  TinyModel model("qwen3-tied");
  const auto vocab = static_cast<int32_t>(model.files.config().vocab_size);
  EngineOptions options;
  options.num_kv_blocks = 256;
  auto cached = model.engine(options);
  options.enable_prefix_caching = false;
  auto uncached = model.engine(options);

  std::mt19937 rng(5);
  std::vector<int32_t> history = random_prompt(rng, 40, vocab);   // system prompt + first user message
  int64_t prev_computed_end = 0;   // tokens of the previous turn whose K/V were computed
  for (int turn = 0; turn < 5; ++turn) {
    const auto before = cached->stats().counters;
    add(*cached, turn, history, greedy(9));
    add(*uncached, turn, history, greedy(9));
    auto answer = run_to_completion(*cached)[turn];
    REQUIRE(answer == run_to_completion(*uncached)[turn]);
    const auto after = cached->stats().counters;

    const auto len = static_cast<int64_t>(history.size());
    // Cached: the previous turn's full blocks (its last token never ran), capped so the last token runs.
    const int64_t expected_hit = std::min(prev_computed_end, len - 1) / 16 * 16;
    const int64_t new_tokens = len - prev_computed_end;
    CHECK(after.prefix_cache_hits - before.prefix_cache_hits == expected_hit);
    CHECK(after.prompt_tokens_computed - before.prompt_tokens_computed == len - expected_hit);
    if (turn > 0) CHECK(len - expected_hit < new_tokens + 16);   // new tokens + at most one partial block
    INFO("turn " << turn << ": " << len << " prompt tokens, " << expected_hit << " from the cache");

    // Next turn: the answer and a new user message are appended to the history.
    prev_computed_end = len + static_cast<int64_t>(answer.size()) - 1;
    history.insert(history.end(), answer.begin(), answer.end());
    const auto user = random_prompt(rng, 5 + static_cast<int32_t>(rng() % 20), vocab);
    history.insert(history.end(), user.begin(), user.end());
  }
  CHECK(cached->stats().counters.prefix_cache_hits > 0);
}
