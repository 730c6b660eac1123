// Property test: 200 seeded random schemas of the supported subset, each sampled with uniformly random choices
// among the allowed tokens of the real Qwen3 and SmolLM2 vocabularies until a stop token (or a step cap).
// Every finished output must parse as JSON and validate against its schema under the independent reference
// validator (schema_validator.h); the stop token must be offered only where the text so far is such a document.
// With EDGESERVE_STRUCTURED_DUMP=<file> the (schema, output) pairs are written as JSON lines for
// tests/python/test_structured_property.py, which validates them with python-jsonschema.
#include <cstdlib>
#include <fstream>
#include <bit>
#include <algorithm>
#include <random>

#include <catch2/catch.hpp>

#include "tests/unit/structured/random_schema.h"
#include "tests/unit/structured/schema_validator.h"
#include "tests/unit/structured/structured_test_util.h"

using namespace edgeserve;
using namespace edgeserve::structured;
using namespace edgeserve::structured::test;

namespace {

constexpr int kNumSchemas = 200;
constexpr int kMaxSteps = 1500;

// Uniform among the allowed ids (bits past vocab_size in the last word are not tokens).
int32_t pick_allowed(const sampler::TokenBitmask& mask, std::mt19937_64& rng) {
  const auto words = mask.words();
  auto word = [&](size_t i) {
    const int64_t first = static_cast<int64_t>(i) * 64, valid = std::min<int64_t>(64, mask.vocab_size() - first);
    return valid == 64 ? words[i] : words[i] & ((1ull << valid) - 1);
  };
  int64_t count = 0;
  for (size_t i = 0; i < words.size(); ++i) count += std::popcount(word(i));
  if (count == 0) return -1;
  int64_t k = std::uniform_int_distribution<int64_t>(0, count - 1)(rng);
  for (size_t i = 0; i < words.size(); ++i) {
    uint64_t w = word(i);
    const int64_t n = std::popcount(w);
    if (k >= n) { k -= n; continue; }
    for (; k > 0; --k) w &= w - 1;
    return static_cast<int32_t>(i * 64 + static_cast<size_t>(std::countr_zero(w)));
  }
  return -1;
}

void run_property(const char* vocab_name, const Tokenizer& tokenizer, uint64_t seed) {
  const auto index = TokenIndex::from_tokenizer(tokenizer);
  const std::vector<int32_t> stops = stop_ids(tokenizer);
  REQUIRE_FALSE(stops.empty());
  std::ofstream dump;
  if (const char* path = std::getenv("EDGESERVE_STRUCTURED_DUMP"); path != nullptr && *path != '\0') {
    dump.open(path, std::ios::app);
    REQUIRE(dump.good());
  }
  std::mt19937_64 rng(seed);
  sampler::TokenBitmask mask(tokenizer.vocab_size());
  int num_finished = 0;
  for (int i = 0; i < kNumSchemas; ++i) {
    const nlohmann::ordered_json schema = random_schema(rng);
    const nlohmann::json schema_plain = nlohmann::json::parse(schema.dump());
    INFO(vocab_name << " schema #" << i << ": " << schema.dump());
    GrammarMatcher matcher(compile_json_schema(schema), index, stops);
    std::string text;
    for (int step = 0; step < kMaxSteps && !matcher.is_terminated(); ++step) {
      matcher.fill_next_token_bitmask(mask);
      if (mask.is_allowed(stops[0])) {  // the stop token is offered: the text must be a complete valid document
        INFO("stop offered after: " << text);
        nlohmann::json doc;
        REQUIRE_NOTHROW(doc = nlohmann::json::parse(text));
        REQUIRE(validate_against_schema(schema_plain, doc) == "");
      }
      const int32_t token = pick_allowed(mask, rng);
      INFO("text so far: " << text);
      REQUIRE(token >= 0);  // never a dead end
      REQUIRE(matcher.accept_token(token));
      if (!matcher.is_terminated()) text += tokenizer.token_to_piece(token);
    }
    if (!matcher.is_terminated()) continue;  // hit the step cap (counted below)
    ++num_finished;
    INFO("output: " << text);
    nlohmann::json doc;
    REQUIRE_NOTHROW(doc = nlohmann::json::parse(text));
    CHECK(validate_against_schema(schema_plain, doc) == "");
    if (dump.is_open()) {
      dump << nlohmann::json{{"vocab", vocab_name}, {"schema", schema_plain}, {"output", text}}.dump(
                  -1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
  }
  // Random choices among ~100k tokens write long strings; almost every run still ends within the cap.
  INFO(vocab_name << ": " << num_finished << " of " << kNumSchemas << " outputs finished within " << kMaxSteps << " steps");
  CHECK(num_finished >= kNumSchemas * 9 / 10);
}

}  // namespace

TEST_CASE("random schemas x random tokens (Qwen3 vocabulary) produce valid documents", "[structured][property][qwen3]") {
  run_property("qwen3", qwen3_tokenizer(), 20261125);
}

TEST_CASE("random schemas x random tokens (SmolLM2 vocabulary) produce valid documents", "[structured][property][smollm2]") {
  run_property("smollm2", smollm2_tokenizer(), 42);
}
