// TokenCounts against a std::map reference fed the same token stream.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "engine/sampler/random.h"
#include "engine/sampler/token_counts.h"

using namespace edgeserve::sampler;

TEST_CASE("token counts: prompt and output counts match a std::map reference", "[sampler][counts]") {
  TokenCounts counts;
  std::map<int32_t, std::pair<uint32_t, uint32_t>> reference;  // id -> (prompt, output)
  SamplingRng rng(5);
  for (int i = 0; i < 20000; ++i) {
    // Ids spread over a Qwen-sized range, with some repeats (a small hot set) to exercise counting.
    const bool hot = rng.next_u64() % 4 == 0;
    const int32_t id = static_cast<int32_t>(hot ? rng.next_u64() % 50 : rng.next_u64() % 151936);
    if (i < 8000) {
      counts.add_prompt_token(id);
      reference[id].first += 1;
    } else {
      counts.add_output_token(id);
      reference[id].second += 1;
    }
  }
  CHECK(counts.entries().size() == reference.size());
  std::set<int32_t> seen;
  for (const TokenCounts::Entry& e : counts.entries()) {
    REQUIRE(seen.insert(e.token_id).second);  // each token once
    REQUIRE(reference.count(e.token_id) == 1);
    REQUIRE(e.prompt_count == reference[e.token_id].first);
    REQUIRE(e.output_count == reference[e.token_id].second);
  }
  for (const auto& [id, pair] : reference) {
    REQUIRE(counts.prompt_count(id) == pair.first);
    REQUIRE(counts.output_count(id) == pair.second);
  }
  CHECK(counts.output_count(151936 + 5) == 0);  // never seen
  CHECK(TokenCounts{}.prompt_count(3) == 0);    // empty table
}

TEST_CASE("token counts: entries keep first-seen order across rehashing", "[sampler][counts]") {
  TokenCounts counts;
  counts.reserve(2);
  for (int32_t id = 1000; id > 0; --id) counts.add_output_token(id * 7);
  REQUIRE(counts.entries().size() == 1000);
  for (size_t i = 0; i < 1000; ++i) CHECK(counts.entries()[i].token_id == static_cast<int32_t>(1000 - i) * 7);
}
