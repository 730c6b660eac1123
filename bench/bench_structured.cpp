// Time per next-token mask of the structured-output matcher on the real Qwen3 vocabulary (151k tokens),
// printed, never asserted. A nested schema (objects, arrays, enums, anyOf, a recursive $ref) is run by 32
// concurrent sequences sharing one compiled grammar and mask cache, as a server batch would:
//   replay: realistic documents tokenized by the real tokenizer and fed token by token;
//   random: tokens drawn uniformly among the allowed ones (long random strings; the stress case);
//   warm: the replay again with the cache the first replay filled (steady state of a long-running server).
// Reported per mask: mean, p50, p99, max; the cold cost (first use of each grammar state) is included.
// Usage: bench_structured [TOKENIZER_JSON]   (default: <shared>/models/qwen3-tokenizer/tokenizer.json)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "engine/structured/grammar_matcher.h"
#include "engine/structured/json_schema_compiler.h"
#include "engine/tokenizer/tokenizer_json.h"
#include "tests/test_paths.h"

using namespace edgeserve;
using namespace edgeserve::structured;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kNumSequences = 32;

const char* kSchema = R"({
  "$defs": {
    "Address": {"type": "object", "properties": {"street": {"type": "string"}, "city": {"type": "string"},
                "zip": {"type": "string", "maxLength": 10}}, "required": ["street", "city"],
                "additionalProperties": false},
    "Person": {"type": "object", "properties": {
                "name": {"type": "string"}, "age": {"type": "integer"},
                "email": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "role": {"enum": ["admin", "user", "guest"]},
                "address": {"$ref": "#/$defs/Address"},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
                "manager": {"anyOf": [{"$ref": "#/$defs/Person"}, {"type": "null"}]}},
               "required": ["name", "age", "role", "address", "tags"], "additionalProperties": false}},
  "type": "object",
  "properties": {"team": {"type": "string"}, "members": {"type": "array", "items": {"$ref": "#/$defs/Person"},
                 "minItems": 1, "maxItems": 4}, "budget": {"type": "number"}, "active": {"type": "boolean"}},
  "required": ["team", "members", "active"], "additionalProperties": false})";

const char* kDocuments[] = {
    R"({"team": "Platform", "members": [{"name": "Ada Lovelace", "age": 36, "email": "ada@example.com", "role": "admin", "address": {"street": "12 St James's Square", "city": "London", "zip": "SW1Y 4JH"}, "tags": ["math", "engines"], "manager": null}], "budget": 125000.5, "active": true})",
    R"({"team":"Search","members":[{"name":"Grace Hopper","age":85,"role":"user","address":{"street":"1 Navy Way","city":"Arlington"},"tags":[],"manager":{"name":"Howard Aiken","age":73,"email":null,"role":"admin","address":{"street":"Oxford St","city":"Cambridge"},"tags":["mark-i"]}}],"active":false})",
    R"({"team": "数据平台", "members": [{"name": "李雷", "age": 29, "role": "guest", "address": {"street": "中关村大街 1 号", "city": "北京"}, "tags": ["后端", "存储", "on-call"]}, {"name": "Hanna Müller", "age": 41, "role": "user", "address": {"street": "Hauptstraße 5", "city": "Köln", "zip": "50667"}, "tags": ["ops"]}], "budget": 3.2e5, "active": true})",
};

struct Stats {
  std::vector<double> us;
  void print(const char* name) {
    std::sort(us.begin(), us.end());
    double sum = 0;
    for (double v : us) sum += v;
    auto pct = [&](double p) { return us[std::min(us.size() - 1, static_cast<size_t>(p * static_cast<double>(us.size())))]; };
    std::printf("%-8s masks %6zu  mean %8.1f us  p50 %8.1f us  p99 %8.1f us  max %8.1f us\n", name, us.size(),
                sum / static_cast<double>(us.size()), pct(0.5), pct(0.99), us.back());
  }
};

double time_fill(GrammarMatcher& m, sampler::TokenBitmask& mask) {
  const auto t0 = Clock::now();
  m.fill_next_token_bitmask(mask);
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : edgeserve::test::shared_dir() + "/models/qwen3-tokenizer/tokenizer.json";
  const Tokenizer tokenizer = load_tokenizer(path);
  auto t0 = Clock::now();
  const auto index = TokenIndex::from_tokenizer(tokenizer);
  std::printf("vocabulary %d tokens, trie %d nodes, built in %.1f ms\n", tokenizer.vocab_size(), index->num_nodes(),
              std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  t0 = Clock::now();
  const auto grammar = compile_json_schema_text(kSchema);
  std::printf("schema compiled in %.2f ms: %d states\n",
              std::chrono::duration<double, std::milli>(Clock::now() - t0).count(), grammar->num_states());
  const std::vector<int32_t> stops = {*tokenizer.eos_id()};
  sampler::TokenBitmask mask(tokenizer.vocab_size());

  std::shared_ptr<TokenMaskCache> replay_cache;
  for (const std::string mode : {"replay", "random", "warm"}) {
    // replay and random start cold (every state computed on first use); warm replays again on replay's cache.
    auto cache = mode == "warm" ? replay_cache : std::make_shared<TokenMaskCache>(grammar, index);
    if (mode == "replay") replay_cache = cache;
    const bool replay = mode != "random";
    std::vector<GrammarMatcher> matchers;
    std::vector<std::vector<int32_t>> scripts;
    for (int s = 0; s < kNumSequences; ++s) {
      matchers.emplace_back(grammar, index, stops, cache);
      scripts.push_back(tokenizer.encode(kDocuments[s % std::size(kDocuments)], false));
      scripts.back().push_back(stops[0]);
    }
    std::mt19937_64 rng(7);
    Stats stats;
    for (int step = 0; step < 400; ++step) {
      bool any_running = false;
      for (int s = 0; s < kNumSequences; ++s) {  // one engine step: every running sequence once
        GrammarMatcher& m = matchers[s];
        if (m.is_terminated() || (replay && step >= static_cast<int>(scripts[s].size()))) continue;
        any_running = true;
        stats.us.push_back(time_fill(m, mask));
        int32_t token = -1;
        if (replay) {
          token = scripts[s][step];
          if (!mask.is_allowed(token)) { std::fprintf(stderr, "replay token %d not allowed\n", token); return 1; }
        } else {
          int64_t count = 0;
          for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) count += mask.is_allowed(id);
          int64_t k = std::uniform_int_distribution<int64_t>(0, count - 1)(rng);
          for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
            if (mask.is_allowed(id) && k-- == 0) { token = id; break; }
          }
        }
        if (!m.accept_token(token)) { std::fprintf(stderr, "token %d rejected\n", token); return 1; }
      }
      if (!any_running) break;
    }
    stats.print(mode.c_str());
    std::printf("         cached grammar states: %zu\n", cache->num_entries());
  }
  return 0;
}
