// Sampler end to end on small hand-made rows: greedy (ties -> lowest id), the edits reaching the choice
// (bias, penalties, min_tokens, mask), the hooks, logprobs against a double-precision log-softmax computed
// here, and seed reproducibility (same seed, same tokens; sequences independent of each other).
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "engine/sampler/sampler.h"

using namespace edgeserve;
using namespace edgeserve::sampler;

namespace {

SamplingParams resolved(SamplingParams params) { return params.resolved(GenerationDefaults{}, {}); }

SamplingParams greedy_params() {
  SamplingParams params;
  params.temperature = 0.0;
  return resolved(params);
}

// Reference log-softmax in double.
std::vector<double> log_softmax(const std::vector<float>& logits) {
  double max = -INFINITY;
  for (float x : logits) max = std::max(max, static_cast<double>(x));
  double sum = 0.0;
  for (float x : logits) sum += std::exp(x - max);
  std::vector<double> out;
  for (float x : logits) out.push_back(x - max - std::log(sum));
  return out;
}

std::vector<int32_t> draw_tokens(Sampler& sampler, const std::vector<float>& row, const SamplingParams& params,
                                 SequenceSamplingState& state, int count) {
  std::vector<int32_t> tokens;
  for (int i = 0; i < count; ++i) {
    std::vector<float> logits = row;  // sample() edits its row
    tokens.push_back(sampler.sample(logits, params, state).token_id);
  }
  return tokens;
}

}  // namespace

TEST_CASE("greedy picks the max logit, the lowest id on ties", "[sampler][greedy]") {
  Sampler sampler(6);
  SequenceSamplingState state({}, 1);
  std::vector<float> row = {0.5f, 2.0f, -1.0f, 2.0f, 1.0f, 2.0f};
  CHECK(sampler.sample(row, greedy_params(), state).token_id == 1);
  std::vector<float> single = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 3.0f};
  CHECK(sampler.sample(single, greedy_params(), state).token_id == 5);
  // temperature below vLLM's 1e-5 is greedy as well; filters do not change the argmax.
  SamplingParams tiny;
  tiny.temperature = 1e-6;
  tiny.top_p = 0.1;
  tiny.top_k = 3;
  std::vector<float> again = {0.5f, 2.0f, -1.0f, 2.0f, 1.0f, 2.0f};
  CHECK(sampler.sample(again, resolved(tiny), state).token_id == 1);
  CHECK(state.num_output_tokens() == 3);  // sample() appends the token to the sequence state
  CHECK(state.token_counts().output_count(1) == 2);
}

TEST_CASE("logit_bias and penalties change the greedy choice as computed by hand", "[sampler][greedy]") {
  Sampler sampler(4);
  const std::vector<float> row = {1.0f, 3.0f, 2.5f, 0.0f};
  const std::vector<int32_t> prompt = {1};

  SamplingParams bias = greedy_params();
  bias.logit_bias = {{3, 3.5f}};  // 0 + 3.5 > 3
  SequenceSamplingState s1(prompt, 1);
  CHECK(draw_tokens(sampler, row, bias, s1, 1) == std::vector<int32_t>{3});

  SamplingParams repetition;
  repetition.temperature = 0.0;
  repetition.repetition_penalty = 1.25;  // token 1 is in the prompt: 3 / 1.25 = 2.4 < 2.5
  SequenceSamplingState s2(prompt, 1);
  CHECK(draw_tokens(sampler, row, resolved(repetition), s2, 1) == std::vector<int32_t>{2});

  SamplingParams presence;
  presence.temperature = 0.0;
  presence.presence_penalty = 0.6;
  // Step 1: prompt tokens do not count, token 1 stays at 3. Step 2: token 1 is in the output,
  // 3 - 0.6 = 2.4 < 2.5. Step 3: token 2 too, 2.5 - 0.6 = 1.9 < 2.4.
  SequenceSamplingState s3(prompt, 1);
  CHECK(draw_tokens(sampler, row, resolved(presence), s3, 3) == std::vector<int32_t>{1, 2, 1});

  SamplingParams frequency;
  frequency.temperature = 0.0;
  frequency.frequency_penalty = 0.3;
  // token 1: 3, 2.7, 2.4 after 0, 1, 2 uses; token 2: 2.5, then 2.2.
  SequenceSamplingState s4({}, 1);
  CHECK(draw_tokens(sampler, row, resolved(frequency), s4, 4) == std::vector<int32_t>{1, 1, 2, 1});
}

TEST_CASE("min_tokens keeps the stop tokens out until enough tokens were output", "[sampler][greedy]") {
  Sampler sampler(3);
  SamplingParams params;
  params.temperature = 0.0;
  params.min_tokens = 2;
  const SamplingParams r = params.resolved(GenerationDefaults{}, std::vector<int32_t>{2});  // eos = 2
  SequenceSamplingState state({}, 1);
  const std::vector<float> row = {0.0f, 1.0f, 5.0f};
  CHECK(draw_tokens(sampler, row, r, state, 3) == std::vector<int32_t>{1, 1, 2});
}

TEST_CASE("hooks: the allowed-token mask and the forced token", "[sampler][hooks]") {
  Sampler sampler(130);
  std::vector<float> row(130, 0.0f);
  row[7] = 5.0f;
  row[100] = 1.0f;
  row[129] = 2.0f;
  TokenBitmask mask(130, false);
  mask.allow(100);
  mask.allow(129);
  SequenceSamplingState state({}, 1);
  std::vector<float> a = row;
  CHECK(sampler.sample(a, greedy_params(), state, {.allowed_tokens = &mask}).token_id == 129);
  // Random sampling only ever draws allowed tokens.
  SamplingParams random;
  random.temperature = 1.0;
  for (int i = 0; i < 200; ++i) {
    std::vector<float> b = row;
    const int32_t token = sampler.sample(b, resolved(random), state, {.allowed_tokens = &mask}).token_id;
    REQUIRE((token == 100 || token == 129));
  }
  // A forced token wins over everything and counts as output.
  std::vector<float> c = row;
  const SampleResult forced = sampler.sample(c, greedy_params(), state, {.forced_token_id = 3});
  CHECK(forced.token_id == 3);
  CHECK(state.token_counts().output_count(3) == 1);
  // Nothing allowed is a caller fault reported as an exception, not a crash.
  TokenBitmask none(130, false);
  std::vector<float> d = row;
  CHECK_THROWS_AS(sampler.sample(d, greedy_params(), state, {.allowed_tokens = &none}), std::runtime_error);
}

TEST_CASE("faulty rows: +inf wins (lowest id), NaN is never drawn", "[sampler][greedy]") {
  Sampler sampler(5);
  SequenceSamplingState state({}, 1);
  SamplingParams random;
  random.temperature = 1.0;
  const float inf = INFINITY, nan = NAN;
  const std::vector<float> with_inf = {0.0f, inf, 1.0f, inf, 2.0f};
  CHECK(draw_tokens(sampler, with_inf, greedy_params(), state, 1) == std::vector<int32_t>{1});
  CHECK(draw_tokens(sampler, with_inf, resolved(random), state, 3) == std::vector<int32_t>{1, 1, 1});
  const std::vector<float> with_nan = {nan, 0.0f, nan, 0.5f, nan};
  CHECK(draw_tokens(sampler, with_nan, greedy_params(), state, 1) == std::vector<int32_t>{3});
  for (int32_t token : draw_tokens(sampler, with_nan, resolved(random), state, 200)) REQUIRE((token == 1 || token == 3));
}

TEST_CASE("a mask over a multi-chunk row: full-distribution draws land on allowed tokens only",
          "[sampler][hooks]") {
  Sampler sampler(1000);
  const std::vector<float> row(1000, 1.0f);
  TokenBitmask mask(1000, false);
  mask.allow(3);
  mask.allow(777);
  mask.allow(999);
  SamplingParams random;
  random.temperature = 1.0;
  SequenceSamplingState state({}, 4);
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 3000; ++i) {
    std::vector<float> logits = row;
    const int32_t token = sampler.sample(logits, resolved(random), state, {.allowed_tokens = &mask}).token_id;
    REQUIRE((token == 3 || token == 777 || token == 999));
    counts[token == 3 ? 0 : token == 777 ? 1 : 2] += 1;
  }
  for (int c : counts) CHECK(c > 800);  // ~1000 each; 800 is > 7 standard deviations below
}

TEST_CASE("logprobs are the raw log-softmax: normalized, top-N ordered, before bias and temperature",
          "[sampler][logprobs]") {
  const std::vector<float> row = {1.0f, 3.0f, -2.0f, 3.0f, 0.5f, 2.0f, -1.0f, 0.0f};
  const std::vector<double> reference = log_softmax(row);
  Sampler sampler(8);
  SequenceSamplingState state({}, 9);
  SamplingParams params;
  params.temperature = 0.0;
  params.logprobs = true;
  params.top_logprobs = 20;  // more than the vocabulary: all 8 come back
  std::vector<float> logits = row;
  const SampleResult result = sampler.sample(logits, resolved(params), state);
  REQUIRE(result.has_logprobs);
  CHECK(result.token_id == 1);
  CHECK(result.logprob == Approx(reference[1]).margin(1e-6));
  CHECK(result.rank == 1);
  REQUIRE(result.num_top_logprobs == 8);
  double total = 0.0;
  for (const TokenLogprob& t : result.top()) {
    CHECK(t.logprob == Approx(reference[static_cast<size_t>(t.token_id)]).margin(1e-6));
    total += std::exp(static_cast<double>(t.logprob));
  }
  CHECK(total == Approx(1.0).margin(1e-6));
  const std::vector<int32_t> expected_order = {1, 3, 5, 0, 4, 7, 6, 2};  // logit desc, id asc on the 3.0 tie
  for (size_t i = 0; i < expected_order.size(); ++i) CHECK(result.top()[i].token_id == expected_order[i]);

  // Bias, penalties and temperature change the choice but not the reported (raw) distribution.
  SamplingParams biased;
  biased.temperature = 0.0;
  biased.logprobs = true;
  biased.top_logprobs = 2;
  biased.logit_bias = {{2, 10.0f}};
  biased.repetition_penalty = 2.0;
  std::vector<float> logits2 = row;
  const SampleResult r2 = sampler.sample(logits2, resolved(biased), state);
  CHECK(r2.token_id == 2);
  CHECK(r2.logprob == Approx(reference[2]).margin(1e-6));
  CHECK(r2.rank == 8);  // seven tokens have a higher raw logit
  REQUIRE(r2.num_top_logprobs == 2);
  CHECK(r2.top()[0].token_id == 1);
  CHECK(r2.top()[1].token_id == 3);

  // A forced token reports its raw logprob too.
  std::vector<float> logits4 = row;
  const SampleResult forced = sampler.sample(logits4, resolved(params), state, {.forced_token_id = 6});
  CHECK(forced.token_id == 6);
  CHECK(forced.logprob == Approx(reference[6]).margin(1e-6));
  CHECK(forced.rank == 7);

  SamplingParams none;
  none.temperature = 0.0;
  std::vector<float> logits3 = row;
  CHECK_FALSE(sampler.sample(logits3, resolved(none), state).has_logprobs);
}

TEST_CASE("seeds: same seed, same 1000 tokens, other seeds differ, sequences are independent",
          "[sampler][seed]") {
  const std::vector<float> row = {0.1f, 0.5f, 1.0f, 0.2f, 0.9f, 0.0f, 0.7f, 0.3f, 0.4f, 0.8f};
  Sampler sampler(10);
  for (const SamplingParams& params : [] {
         SamplingParams full, top_k, top_p;
         full.temperature = 1.0;
         top_k.temperature = 0.8, top_k.top_k = 5;
         top_p.temperature = 1.2, top_p.top_p = 0.9, top_p.min_p = 0.05;
         return std::vector<SamplingParams>{resolved(full), resolved(top_k), resolved(top_p)};
       }()) {
    SequenceSamplingState a({}, 2024), b({}, 2024), c({}, 2025);
    const std::vector<int32_t> first = draw_tokens(sampler, row, params, a, 1000);
    CHECK(draw_tokens(sampler, row, params, b, 1000) == first);
    CHECK(draw_tokens(sampler, row, params, c, 1000) != first);

    // Interleaving two sequences through one Sampler changes neither.
    SequenceSamplingState x({}, 2024), y({}, 2025), y_alone({}, 2025);
    const std::vector<int32_t> y_reference = draw_tokens(sampler, row, params, y_alone, 1000);
    std::vector<int32_t> xs, ys;
    for (int i = 0; i < 1000; ++i) {
      xs.push_back(draw_tokens(sampler, row, params, x, 1)[0]);
      ys.push_back(draw_tokens(sampler, row, params, y, 1)[0]);
    }
    CHECK(xs == first);
    CHECK(ys == y_reference);
  }
}

TEST_CASE("seeds: unseeded requests get distinct seeds, seeded ones keep theirs", "[sampler][seed]") {
  SamplingParams seeded;
  seeded.seed = 77;
  CHECK(SequenceSamplingState::for_request(seeded, {}).seed() == 77);
  const SamplingParams unseeded;
  CHECK(SequenceSamplingState::for_request(unseeded, {}).seed() !=
        SequenceSamplingState::for_request(unseeded, {}).seed());
  const std::vector<int32_t> prompt = {4, 4, 9};
  const SequenceSamplingState state = SequenceSamplingState::for_request(seeded, prompt);
  CHECK(state.token_counts().prompt_count(4) == 2);
  CHECK(state.token_counts().prompt_count(9) == 1);
  CHECK(state.num_output_tokens() == 0);
}
