// SamplingParams::validate against the ranges of the OpenAI API reference / vLLM's SamplingParams checks,
// and resolved() against vLLM's precedence "request > generation_config.json > neutral default".
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "scheduler/sampling_params.h"

using namespace edgeserve;

namespace {

constexpr int64_t kVocab = 1000;

// The parameter an invalid value is reported under, or "" when valid.
std::string rejected_param(const SamplingParams& params) {
  const auto error = params.validate(kVocab);
  return error ? error->param : "";
}

}  // namespace

TEST_CASE("sampling params: defaults and in-range values are valid", "[sampler][params]") {
  SamplingParams params;
  CHECK(rejected_param(params).empty());
  params.temperature = 0.0;
  params.top_p = 1.0;
  params.top_k = -1;
  params.min_p = 1.0;
  params.repetition_penalty = 0.5;
  params.presence_penalty = -2.0;
  params.frequency_penalty = 2.0;
  params.logit_bias = {{0, -100.0f}, {999, 100.0f}};
  params.logprobs = true;
  params.top_logprobs = 20;
  params.max_tokens = 5;
  params.min_tokens = 5;
  params.stop_token_ids = {0, 999};
  CHECK(rejected_param(params).empty());
  params.temperature = 2.0;
  params.top_k = 0;
  CHECK(rejected_param(params).empty());
}

TEST_CASE("sampling params: each out-of-range value is rejected naming its parameter", "[sampler][params]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const auto with = [](auto edit) {
    SamplingParams params;
    edit(params);
    return rejected_param(params);
  };
  CHECK(with([](SamplingParams& p) { p.temperature = -0.1; }) == "temperature");
  CHECK(with([](SamplingParams& p) { p.temperature = 2.01; }) == "temperature");
  CHECK(with([&](SamplingParams& p) { p.temperature = nan; }) == "temperature");
  CHECK(with([](SamplingParams& p) { p.top_p = 0.0; }) == "top_p");
  CHECK(with([](SamplingParams& p) { p.top_p = 1.5; }) == "top_p");
  CHECK(with([](SamplingParams& p) { p.top_k = -2; }) == "top_k");
  CHECK(with([](SamplingParams& p) { p.min_p = -0.1; }) == "min_p");
  CHECK(with([](SamplingParams& p) { p.min_p = 1.1; }) == "min_p");
  CHECK(with([](SamplingParams& p) { p.repetition_penalty = 0.0; }) == "repetition_penalty");
  CHECK(with([](SamplingParams& p) { p.repetition_penalty = std::numeric_limits<double>::infinity(); }) ==
        "repetition_penalty");
  CHECK(with([](SamplingParams& p) { p.presence_penalty = 2.5; }) == "presence_penalty");
  CHECK(with([](SamplingParams& p) { p.frequency_penalty = -2.5; }) == "frequency_penalty");
  CHECK(with([&](SamplingParams& p) { p.frequency_penalty = nan; }) == "frequency_penalty");
  CHECK(with([](SamplingParams& p) { p.logit_bias = {{1000, 1.0f}}; }) == "logit_bias");
  CHECK(with([](SamplingParams& p) { p.logit_bias = {{-1, 1.0f}}; }) == "logit_bias");
  CHECK(with([](SamplingParams& p) { p.logit_bias = {{5, 100.5f}}; }) == "logit_bias");
  CHECK(with([](SamplingParams& p) { p.logprobs = true, p.top_logprobs = 21; }) == "top_logprobs");
  CHECK(with([](SamplingParams& p) { p.logprobs = true, p.top_logprobs = -1; }) == "top_logprobs");
  CHECK(with([](SamplingParams& p) { p.top_logprobs = 3; }) == "top_logprobs");  // needs logprobs
  CHECK(with([](SamplingParams& p) { p.max_tokens = 0; }) == "max_tokens");
  CHECK(with([](SamplingParams& p) { p.min_tokens = -1; }) == "min_tokens");
  CHECK(with([](SamplingParams& p) { p.max_tokens = 4, p.min_tokens = 5; }) == "min_tokens");
  CHECK(with([](SamplingParams& p) { p.stop_token_ids = {3, 1000}; }) == "stop_token_ids");
}

TEST_CASE("sampling params: error messages state the range and the value", "[sampler][params]") {
  SamplingParams params;
  params.temperature = 3.0;
  const auto error = params.validate(kVocab);
  REQUIRE(error);
  CHECK(error->message == "temperature must be in [0, 2], got 3");
  params = SamplingParams{};
  params.logit_bias = {{1234, 1.0f}};
  CHECK(params.validate(kVocab)->message == "logit_bias token id 1234 is outside the vocabulary [0, 1000)");
}

TEST_CASE("sampling params: resolved takes request, then generation_config, then neutral values",
          "[sampler][params]") {
  GenerationDefaults model;  // as a Qwen3 generation_config.json: temperature 0.6, top_p 0.95, top_k 20
  model.temperature = 0.6;
  model.top_p = 0.95;
  model.top_k = 20;
  SamplingParams request;
  CHECK_FALSE(request.is_resolved());
  request.temperature = 0.2;  // the request wins over the model
  const SamplingParams r = request.resolved(model, {});
  REQUIRE(r.is_resolved());
  CHECK(*r.temperature == 0.2);
  CHECK(*r.top_p == 0.95);
  CHECK(*r.top_k == 20);
  CHECK(*r.min_p == 0.0);               // neither sets it: off
  CHECK(*r.repetition_penalty == 1.0);  // neither sets it: off

  const SamplingParams neutral = SamplingParams{}.resolved(GenerationDefaults{}, {});
  CHECK(*neutral.temperature == 1.0);
  CHECK(*neutral.top_p == 1.0);
  CHECK(*neutral.top_k == 0);
  CHECK_FALSE(neutral.is_greedy());
  CHECK_FALSE(neutral.has_top_k());
  CHECK_FALSE(neutral.has_top_p());
  CHECK_FALSE(neutral.has_min_p());
  CHECK_FALSE(neutral.has_penalties());

  SamplingParams minus_one;
  minus_one.top_k = -1;  // vLLM's other spelling of "off"
  CHECK(*minus_one.resolved(model, {}).top_k == 0);
}

TEST_CASE("sampling params: all_stop_token_ids = stop_token_ids + model eos unless ignore_eos",
          "[sampler][params]") {
  const std::vector<int32_t> eos = {151645, 151643};
  SamplingParams request;
  request.stop_token_ids = {7, 151643};
  CHECK(request.resolved({}, eos).all_stop_token_ids == std::vector<int32_t>{7, 151643, 151645});
  request.ignore_eos = true;
  CHECK(request.resolved({}, eos).all_stop_token_ids == std::vector<int32_t>{7, 151643});
}
