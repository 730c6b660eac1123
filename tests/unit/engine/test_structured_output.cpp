// StructuredOutput through the real engine on a tiny random checkpoint whose ids 32..126 stand for the ASCII
// bytes: a forced prefix, a grammar-constrained JSON document, a forced suffix and a stop token, in that order,
// whatever the random weights prefer; a trigger token (tool_choice auto) and a wait token (</think>) delay the
// constraint. The reference is the schema itself: the middle part must parse and validate by hand.
#include <catch2/catch.hpp>

#include "engine/structured/json_schema_compiler.h"
#include "engine/structured/token_mask_cache.h"
#include "engine_test_util.h"

using namespace edgeserve;
using namespace edgeserve::test;

namespace {

constexpr int32_t kStop = 2;   // the tiny checkpoints' eos id

std::shared_ptr<const structured::TokenIndex> ascii_index(int64_t vocab) {
  std::vector<std::string> pieces(static_cast<size_t>(vocab));
  std::vector<int32_t> excluded;
  for (int32_t id = 0; id < vocab; ++id) {
    if (id >= 32 && id <= 126)
      pieces[static_cast<size_t>(id)] = std::string(1, static_cast<char>(id));
    else
      excluded.push_back(id);
  }
  return std::make_shared<const structured::TokenIndex>(std::move(pieces), excluded);
}

std::vector<int32_t> ids(const std::string& text) { return {text.begin(), text.end()}; }

StructuredOutputSpec spec_for(int64_t vocab) {
  StructuredOutputSpec spec;
  spec.grammar = structured::compile_json_schema_text(
      R"({"type": "object", "properties": {"n": {"type": "integer"}, "ok": {"type": "boolean"}},
          "required": ["n", "ok"], "additionalProperties": false})");
  spec.index = ascii_index(vocab);
  spec.cache = std::make_shared<structured::TokenMaskCache>(spec.grammar, spec.index);
  spec.prefix_tokens = ids("<c>");
  spec.suffix_tokens = ids("</c>");
  spec.stop_token_ids = {kStop};
  return spec;
}

std::vector<int32_t> generate(LLMEngine& engine, SamplingParams params, StructuredOutputSpec spec) {
  EngineRequest r{7, {5, 6, 7, 8}, std::move(params)};
  r.structured_output = std::move(spec);
  REQUIRE_FALSE(engine.validate(r));
  engine.add_request(std::move(r));
  return run_to_completion(engine)[7];
}

void check_document(const std::string& text, const std::string& before) {
  INFO(text);
  REQUIRE(text.rfind(before + "<c>", 0) == 0);
  const size_t end = text.find("</c>");
  REQUIRE(end != std::string::npos);
  const auto doc = nlohmann::json::parse(text.substr(before.size() + 3, end - before.size() - 3));
  CHECK(doc.size() == 2);
  CHECK(doc.at("n").is_number_integer());
  CHECK(doc.at("ok").is_boolean());
}

}  // namespace

TEST_CASE("prefix, grammar, suffix, stop: whatever the weights prefer", "[engine][structured]") {
  TinyModel model("qwen3-tied");
  const int64_t vocab = model.files.config().vocab_size;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    EngineOptions o;
    o.num_kv_blocks = 64;
    auto engine = model.engine(o);
    SamplingParams p;
    p.temperature = 1.0;
    p.seed = seed;
    p.max_tokens = 200;
    const auto out = generate(*engine, p, spec_for(vocab));
    REQUIRE(out.back() == kStop);
    check_document(std::string(out.begin(), out.end() - 1), "");
    CHECK(std::string(out.end() - 5, out.end() - 1) == "</c>");
  }
}

TEST_CASE("a trigger token starts the constraint and a wait token delays it", "[engine][structured]") {
  TinyModel model("qwen3-tied");
  const int64_t vocab = model.files.config().vocab_size;
  EngineOptions o;
  o.num_kv_blocks = 64;
  SamplingParams p;
  p.temperature = 0.0;
  p.max_tokens = 200;
  p.logit_bias = {{'@', 100.0f}};   // the model "chooses" to call at once

  auto engine = model.engine(o);
  StructuredOutputSpec trigger = spec_for(vocab);
  trigger.trigger_token = '@';
  trigger.prefix_tokens = ids("c>");   // the trigger stands for "<"
  auto out = generate(*engine, p, trigger);
  REQUIRE(out.back() == kStop);
  check_document("<" + std::string(out.begin() + 1, out.end() - 1), "");

  auto engine2 = model.engine(o);
  StructuredOutputSpec wait = spec_for(vocab);
  wait.wait_for_token = '@';
  out = generate(*engine2, p, wait);
  REQUIRE(out.back() == kStop);
  CHECK(out.front() == '@');          // free until the wait token
  check_document(std::string(out.begin(), out.end() - 1), "@");
}
