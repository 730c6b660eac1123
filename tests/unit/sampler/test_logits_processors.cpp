// In-place logits edits against values worked out by hand from the definitions (vLLM's apply_penalties,
// OpenAI's presence/frequency formula, logit_bias addition, allowed-token masks). Inputs are exactly
// representable floats, so every expectation is exact.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "engine/sampler/logits_processors.h"

using namespace edgeserve::sampler;

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();
}

TEST_CASE("logit_bias adds each bias to its token only", "[sampler][processors]") {
  std::vector<float> logits = {1.0f, 2.0f, -3.0f, 4.0f};
  apply_logit_bias(logits, {{0, 0.5f}, {2, -100.0f}, {3, 100.0f}});
  CHECK(logits == std::vector<float>{1.5f, 2.0f, -103.0f, 104.0f});
}

TEST_CASE("repetition penalty divides positive, multiplies non-positive, over prompt and output tokens",
          "[sampler][processors]") {
  std::vector<float> logits = {4.0f, -4.0f, 4.0f, 0.0f, 3.0f, -1.0f};
  TokenCounts counts;
  counts.add_prompt_token(0);  // prompt only: penalized
  counts.add_prompt_token(1);
  counts.add_output_token(2);  // output only: penalized
  counts.add_output_token(3);
  // 4 and 5 never seen: untouched
  apply_penalties(logits, counts, 2.0f, 0.0f, 0.0f);
  CHECK(logits == std::vector<float>{2.0f, -8.0f, 2.0f, 0.0f, 3.0f, -1.0f});
}

TEST_CASE("presence and frequency penalties count output tokens only", "[sampler][processors]") {
  std::vector<float> logits = {1.0f, 1.0f, 1.0f, 1.0f};
  TokenCounts counts;
  counts.add_prompt_token(0);  // prompt occurrences do not count (OpenAI: "tokens so far" of the completion)
  counts.add_prompt_token(0);
  counts.add_output_token(1);  // once
  counts.add_output_token(2);  // three times
  counts.add_output_token(2);
  counts.add_output_token(2);
  // logit -= frequency * count + presence * (count > 0), with frequency 0.25, presence 0.5
  apply_penalties(logits, counts, 1.0f, 0.25f, 0.5f);
  CHECK(logits[0] == 1.0f);
  CHECK(logits[1] == 1.0f - 0.25f * 1 - 0.5f);   // 0.25
  CHECK(logits[2] == 1.0f - 0.25f * 3 - 0.5f);   // -0.25
  CHECK(logits[3] == 1.0f);
  // Negative penalties encourage repetition.
  std::vector<float> again = {1.0f, 1.0f, 1.0f, 1.0f};
  apply_penalties(again, counts, 1.0f, -0.5f, -1.0f);
  CHECK(again[2] == 1.0f + 0.5f * 3 + 1.0f);
}

TEST_CASE("penalties compose in vLLM's order: repetition, then frequency, then presence",
          "[sampler][processors]") {
  std::vector<float> logits = {3.0f, -2.0f};
  TokenCounts counts;
  counts.add_output_token(0);
  counts.add_output_token(0);
  counts.add_prompt_token(1);
  counts.add_output_token(1);
  apply_penalties(logits, counts, 1.5f, 0.5f, 0.25f);
  CHECK(logits[0] == 3.0f / 1.5f - 0.5f * 2 - 0.25f);  // 0.75
  CHECK(logits[1] == -2.0f * 1.5f - 0.5f * 1 - 0.25f);  // -3.75
}

TEST_CASE("penalties skip token ids outside the row", "[sampler][processors]") {
  std::vector<float> logits = {1.0f, 1.0f};
  TokenCounts counts;
  counts.add_prompt_token(5);
  counts.add_output_token(1);
  apply_penalties(logits, counts, 2.0f, 0.0f, 0.0f);
  CHECK(logits == std::vector<float>{1.0f, 0.5f});
}

TEST_CASE("min_tokens masks the stop tokens to -inf", "[sampler][processors]") {
  std::vector<float> logits = {1.0f, 2.0f, 3.0f};
  apply_min_tokens(logits, std::vector<int32_t>{2, 0});
  CHECK(logits[0] == kNegInf);
  CHECK(logits[1] == 2.0f);
  CHECK(logits[2] == kNegInf);
}

TEST_CASE("token mask sets disallowed tokens and ids past the mask to -inf", "[sampler][processors]") {
  // 150 logits, the mask covers 140 (lm_head padded past the tokenizer); words 0..2 partly set.
  std::vector<float> logits(150, 1.0f);
  TokenBitmask mask(140, false);
  for (int32_t id : {0, 5, 63, 64, 100, 139}) mask.allow(id);
  mask.allow(70);
  mask.disallow(70);
  apply_token_mask(logits, mask);
  for (int32_t id = 0; id < 150; ++id) {
    const bool allowed = id == 0 || id == 5 || id == 63 || id == 64 || id == 100 || id == 139;
    INFO("token " << id);
    CHECK(logits[static_cast<size_t>(id)] == (allowed ? 1.0f : kNegInf));
  }
  // An all-allowed mask changes nothing inside its vocabulary.
  std::vector<float> untouched = {1.0f, 2.0f, 3.0f};
  apply_token_mask(untouched, TokenBitmask(3, true));
  CHECK(untouched == std::vector<float>{1.0f, 2.0f, 3.0f});
}
