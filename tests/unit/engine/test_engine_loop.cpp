// EngineLoop: requests from several threads stream the same greedy tokens as LLMEngine::step() run directly;
// an abort ends a running request with finish_reason abort and frees its blocks; an invalid request is
// rejected before it reaches the engine; stop() finishes every live stream.
#include <catch2/catch.hpp>

#include <thread>

#include "engine/engine_loop.h"
#include "engine_test_util.h"

using namespace edgeserve;
using namespace edgeserve::test;

namespace {

// Collects a stream until its last output (bounded wait).
std::vector<RequestOutput> drain(RequestStream& stream) {
  std::vector<RequestOutput> all;
  for (int i = 0; i < 600 && (all.empty() || !all.back().finished()); ++i)
    stream.wait_pop(all, std::chrono::milliseconds(100));
  return all;
}

}  // namespace

TEST_CASE("engine loop streams what the engine computes, from many threads", "[engine][loop]") {
  TinyModel model("qwen3-tied");
  const auto vocab = static_cast<int32_t>(model.files.config().vocab_size);
  std::mt19937 rng(3);
  std::vector<std::vector<int32_t>> prompts;
  for (int i = 0; i < 8; ++i) prompts.push_back(random_prompt(rng, 5 + static_cast<int32_t>(rng() % 60), vocab));

  EngineOptions options;
  options.num_kv_blocks = 256;
  std::vector<std::vector<int32_t>> expected;
  {
    auto engine = model.engine(options);
    for (int i = 0; i < 8; ++i) add(*engine, i, prompts[static_cast<size_t>(i)], greedy(10));
    auto tokens = run_to_completion(*engine);
    for (int i = 0; i < 8; ++i) expected.push_back(tokens[i]);
  }

  auto engine = model.engine(options);
  EngineLoop loop(*engine);
  std::vector<std::vector<int32_t>> got(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&, i] {
      auto submitted = loop.submit({0, prompts[static_cast<size_t>(i)], greedy(10)});
      auto stream = std::get<std::shared_ptr<RequestStream>>(submitted);
      for (const auto& o : drain(*stream))
        if (o.token_id >= 0) got[static_cast<size_t>(i)].push_back(o.token_id);
    });
  for (auto& t : threads) t.join();
  CHECK(got == expected);
  const EngineStats stats = loop.stats();
  CHECK(stats.counters.generation_tokens == 80);
  CHECK(stats.num_running == 0);
}

TEST_CASE("engine loop rejects, aborts and stops cleanly", "[engine][loop]") {
  TinyModel model("qwen3-tied");
  EngineOptions options;
  options.num_kv_blocks = 2048;
  options.max_model_len = 20000;   // long enough that no request here finishes before it is aborted
  auto engine = model.engine(options);
  EngineLoop loop(*engine);

  auto too_long = loop.submit({0, std::vector<int32_t>(20000, 3), greedy(4)});
  REQUIRE(std::holds_alternative<RequestRejection>(too_long));
  CHECK(std::get<RequestRejection>(too_long).code == "context_length_exceeded");
  auto empty = loop.submit({0, {}, greedy(4)});
  REQUIRE(std::holds_alternative<RequestRejection>(empty));
  SamplingParams bad = greedy(4);
  bad.top_p = 0.0;
  auto bad_param = loop.submit({0, {1, 2}, bad});
  REQUIRE(std::holds_alternative<RequestRejection>(bad_param));
  CHECK(std::get<RequestRejection>(bad_param).param == "top_p");

  // A long-running request, aborted after its first tokens.
  auto stream = std::get<std::shared_ptr<RequestStream>>(loop.submit({0, {1, 2, 3}, greedy(19000)}));
  std::vector<RequestOutput> first;
  REQUIRE(stream->wait_pop(first, std::chrono::seconds(30)));
  loop.abort(stream->request_id());
  auto rest = drain(*stream);
  REQUIRE_FALSE(rest.empty());
  CHECK(rest.back().finish_reason == FinishReason::kAbort);
  for (int i = 0; i < 100 && loop.stats().kv_cache_usage > 0.0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(loop.stats().kv_cache_usage == 0.0);

  // Live requests at stop() end with abort.
  auto live = std::get<std::shared_ptr<RequestStream>>(loop.submit({0, {4, 5, 6}, greedy(100000)}));
  loop.stop();
  auto outputs = drain(*live);
  REQUIRE_FALSE(outputs.empty());
  CHECK(outputs.back().finish_reason == FinishReason::kAbort);
}
