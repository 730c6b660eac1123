// GrammarMatcher against its own definition: the trie-walk mask (cached context-independent part plus the
// real-stack walks) must equal the brute-force mask "accept_token(id) succeeds on a copy of the matcher" for
// every id of the real Qwen3 and SmolLM2 vocabularies, along random walks through nested and recursive schemas.
// Also: stop tokens only where the document may end, rejection without state change, forced bytes.
#include <random>

#include <catch2/catch.hpp>

#include "tests/unit/structured/structured_test_util.h"

using namespace edgeserve;
using namespace edgeserve::structured;
using namespace edgeserve::structured::test;

namespace {

const char* kNestedSchema = R"({
  "$defs": {"Item": {"type": "object", "properties": {
      "name": {"type": "string", "maxLength": 6}, "qty": {"type": "integer"},
      "tags": {"type": "array", "items": {"enum": ["a", "b c", "\u00e9"]}, "maxItems": 2},
      "sub": {"anyOf": [{"$ref": "#/$defs/Item"}, {"type": "null"}]}},
    "required": ["name", "sub"], "additionalProperties": false}},
  "type": "object",
  "properties": {"id": {"type": "string"}, "price": {"type": "number"}, "item": {"$ref": "#/$defs/Item"},
                 "ok": {"type": "boolean"}},
  "required": ["id", "item"]})";

// Compares the mask with brute force at every step of a seeded random walk; returns the text produced.
std::string check_walk(const Tokenizer& tokenizer, const std::shared_ptr<const TokenIndex>& index,
                       const std::shared_ptr<const CompiledGrammar>& grammar, uint64_t seed, int steps) {
  const std::vector<int32_t> stops = stop_ids(tokenizer);
  GrammarMatcher matcher(grammar, index, stops);
  sampler::TokenBitmask mask(tokenizer.vocab_size());
  std::mt19937_64 rng(seed);
  std::string text;
  for (int step = 0; step < steps && !matcher.is_terminated(); ++step) {
    matcher.fill_next_token_bitmask(mask);
    std::vector<int32_t> allowed, structural;
    int64_t num_mismatches = 0;
    for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
      GrammarMatcher copy = matcher;
      const bool accepted = copy.accept_token(id);
      if (accepted != mask.is_allowed(id) && num_mismatches++ < 5) {
        INFO("step " << step << " after '" << text << "' token " << id << " '" << tokenizer.token_to_piece(id) << "'");
        CHECK(accepted == mask.is_allowed(id));
      }
      if (accepted) allowed.push_back(id);
      if (accepted && tokenizer.token_to_piece(id).find_first_of("\"{}[],:") != std::string::npos) structural.push_back(id);
    }
    REQUIRE(num_mismatches == 0);
    REQUIRE_FALSE(allowed.empty());
    // Mostly tokens with JSON punctuation, so that the walk leaves long strings and visits many states.
    const std::vector<int32_t>& pool = !structural.empty() && rng() % 4 != 0 ? structural : allowed;
    const int32_t pick = pool[std::uniform_int_distribution<size_t>(0, pool.size() - 1)(rng)];
    REQUIRE(matcher.accept_token(pick));
    if (!matcher.is_terminated()) text += tokenizer.token_to_piece(pick);
  }
  UNSCOPED_INFO("walk text: " << text);
  return text;
}

}  // namespace

TEST_CASE("mask equals brute-force acceptance on the Qwen3 vocabulary", "[structured][qwen3]") {
  const Tokenizer& tokenizer = qwen3_tokenizer();
  const auto index = TokenIndex::from_tokenizer(tokenizer);
  check_walk(tokenizer, index, compile_json_schema_text(kNestedSchema), 1, 60);
  check_walk(tokenizer, index, compile_json_object_grammar(), 2, 40);
}

TEST_CASE("mask equals brute-force acceptance on the SmolLM2 vocabulary", "[structured][smollm2]") {
  const Tokenizer& tokenizer = smollm2_tokenizer();
  const auto index = TokenIndex::from_tokenizer(tokenizer);
  check_walk(tokenizer, index, compile_json_schema_text(kNestedSchema), 3, 80);
  check_walk(tokenizer, index, compile_json_schema_text(R"({"type": "array", "items": {"type": "number"}})"), 4, 40);
}

TEST_CASE("stop tokens are allowed exactly when the document is complete", "[structured]") {
  GrammarMatcher m(compile_json_schema_text(R"({"type": "array", "items": {"type": "integer"}, "maxItems": 2})"),
                   byte_index(), {kByteStopId});
  sampler::TokenBitmask mask(kByteStopId + 1);
  const std::string doc = "[1, 23]";
  for (char c : doc) {
    m.fill_next_token_bitmask(mask);
    CHECK_FALSE(mask.is_allowed(kByteStopId));
    CHECK_FALSE(m.accept_token(kByteStopId));
    REQUIRE(mask.is_allowed(static_cast<uint8_t>(c)));
    REQUIRE(m.accept_token(static_cast<uint8_t>(c)));
  }
  m.fill_next_token_bitmask(mask);
  CHECK(mask.is_allowed(kByteStopId));
  for (int b = 0; b < 256; ++b) CHECK_FALSE(mask.is_allowed(b));  // nothing may follow the closed array
  CHECK(m.can_terminate());
  CHECK_FALSE(m.is_terminated());
  CHECK(m.accept_token(kByteStopId));
  CHECK(m.is_terminated());
  CHECK_FALSE(m.accept_token('1'));
  m.fill_next_token_bitmask(mask);
  CHECK(mask.is_allowed(kByteStopId));
  m.reset();
  CHECK_FALSE(m.is_terminated());
  CHECK(m.accept_string("[]"));
}

TEST_CASE("a rejected token or string leaves the state unchanged", "[structured]") {
  GrammarMatcher m(compile_json_schema_text(R"({"properties": {"a": {"type": "integer"}}, "required": ["a"]})"),
                   byte_index(), {kByteStopId});
  REQUIRE(m.accept_string(R"({"a":1)"));
  CHECK_FALSE(m.accept_string(R"(2x)"));   // the first byte fits, the second does not
  CHECK_FALSE(m.accept_token('"'));
  CHECK(m.accept_string("2}"));
  CHECK(m.can_terminate());
  CHECK_FALSE(m.accept_string(" "));
}

TEST_CASE("forced bytes: the only continuation is reported", "[structured]") {
  GrammarMatcher m(compile_json_schema_text(R"({"properties": {"name": {"type": "string"}, "n": {"const": true}},
                                          "required": ["name", "n"]})"),
                   byte_index(), {kByteStopId});
  CHECK(m.forced_bytes() == R"({"name":)");
  REQUIRE(m.accept_string(R"({"name":)"));
  CHECK(m.forced_bytes().empty());           // optional space or the string's quote
  REQUIRE(m.accept_string(R"("x")"));
  CHECK(m.forced_bytes() == ",");            // then an optional space
  REQUIRE(m.accept_string(R"(, "n": )"));
  CHECK(m.forced_bytes() == "true}");
  CHECK(m.accept_string("true}"));
  CHECK(m.forced_bytes().empty());
}

TEST_CASE("ambiguous anyOf alternatives are tracked together and merge", "[structured]") {
  GrammarMatcher m(compile_json_schema_text(R"({"anyOf": [
      {"properties": {"key": {"type": "integer"}}, "required": ["key"], "additionalProperties": false},
      {"properties": {"key": {"type": "string"}}, "required": ["key"], "additionalProperties": false}]})"),
                   byte_index(), {kByteStopId});
  REQUIRE(m.accept_string(R"({"key":)"));
  CHECK(m.num_stacks() >= 2);
  CHECK(m.accept_string(R"("v"})"));
  CHECK(m.can_terminate());
}

TEST_CASE("deep nesting: the mask stays exact up to and past the stack height limit", "[structured]") {
  // Reference: brute force (accept_token on a copy) for every byte token at every depth.
  GrammarMatcher m(compile_json_schema_text(R"({"anyOf": [{"type": "integer"}, {"type": "array", "items": {"$ref": "#"}}]})"),
                   byte_index(), {kByteStopId});
  sampler::TokenBitmask mask(kByteStopId + 1);
  int depth = 0;
  for (; depth < kMaxStackHeight; ++depth) {
    m.fill_next_token_bitmask(mask);
    for (int32_t id = 0; id <= kByteStopId; ++id) {
      GrammarMatcher copy = m;
      REQUIRE(copy.accept_token(id) == mask.is_allowed(id));
    }
    if (!mask.is_allowed('[')) break;
    REQUIRE(m.accept_token('['));
  }
  CHECK(depth > 64);                 // deep documents are possible
  CHECK(depth < kMaxStackHeight);    // but bounded
  // At the limit no further frame can be pushed (not even for the integer alternative); closing still works.
  for (int i = 0; i < depth; ++i) REQUIRE(m.accept_token(']'));
  CHECK(m.can_terminate());
}
