// The real SmolLM2-135M-Instruct Q4_1 GGUF against transformers loading the same GGUF (dequantized to float32),
// tests/fixtures/golden/smollm2_greedy.json from scripts/make_fixtures.py: 5 chat prompts x 64 greedy steps.
// - our chat template + tokenizer give transformers' prompt ids;
// - teacher-forced on transformers' greedy tokens, our argmax is in its top-5 at every step, with the quantized
//   kernels (int8 activations, as llama.cpp) and in the dequantize-then-F32 reference mode (transformers' math);
// - free-running greedy in the reference mode and with the F32-activation kernels (the same math, fast), our
//   first 16 tokens are transformers' first 16.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/model/model_weights.h"
#include "engine/sequence_runner.h"
#include "tests/test_paths.h"

using namespace edgeserve;

namespace {

int32_t argmax(std::span<const float> logits) {
  return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

struct Fixture {
  nlohmann::json golden;
  ModelFiles files;
  ModelWeights weights;
  Fixture()
      : golden(read()), files(ModelFiles::open(test::default_model_path())), weights(map_model_weights(files)) {}
  static nlohmann::json read() {
    REQUIRE_FALSE(test::default_model_path().empty());
    std::ifstream in(test::fixtures_dir() + "/golden/smollm2_greedy.json");
    REQUIRE(in.good());
    return nlohmann::json::parse(in);
  }
};

// Teacher-forced over the first `num_steps` greedy tokens; returns the largest |logit - transformers' logit|
// over its top-5 at every step, and counts steps where our argmax is transformers' argmax.
double check_teacher_forced(SequenceRunner& runner, const nlohmann::json& c, size_t num_steps, int& num_top1) {
  const auto ids = c.at("input_ids").get<std::vector<int32_t>>();
  const auto greedy = c.at("greedy").get<std::vector<int32_t>>();
  double max_error = 0;
  runner.reset();
  std::span<float> logits = runner.append(ids);
  for (size_t step = 0; step < num_steps; ++step) {
    const auto& s = c.at("steps")[step];
    const auto top5 = s.at("top5").get<std::vector<int32_t>>();
    const auto top5_logits = s.at("top5_logits").get<std::vector<double>>();
    for (size_t k = 0; k < top5.size(); ++k)
      max_error = std::max(max_error, std::abs(logits[static_cast<size_t>(top5[k])] - top5_logits[k]));
    const int32_t ours = argmax(logits);
    INFO("step " << step);
    CHECK(std::find(top5.begin(), top5.end(), ours) != top5.end());
    num_top1 += ours == top5[0];
    logits = runner.append(std::span<const int32_t>(&greedy[step], 1));
  }
  return max_error;
}

}  // namespace

TEST_CASE("SmolLM2 GGUF: our chat prompt ids are transformers'", "[engine][smollm2][golden]") {
  Fixture f;
  for (const auto& c : f.golden.at("cases")) {
    ChatTemplateInputs inputs;
    inputs.messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", c.at("prompt")}}});
    inputs.add_generation_prompt = true;
    const std::string text = f.files.chat_template()->render(inputs);
    CHECK(text == c.at("prompt_text").get<std::string>());
    CHECK(f.files.tokenizer()->encode(text, true, false) == c.at("input_ids").get<std::vector<int32_t>>());
  }
}

TEST_CASE("SmolLM2 GGUF: quantized kernels stay in transformers' top-5 for 64 steps", "[engine][smollm2][golden]") {
  Fixture f;
  cpu::CpuBackend backend(2);
  SequenceRunner runner(f.files.config(), f.weights, backend, 160, 64, DType::F32);
  int num_top1 = 0;
  double max_error = 0;
  for (const auto& c : f.golden.at("cases")) max_error = std::max(max_error, check_teacher_forced(runner, c, 64, num_top1));
  WARN("int8-activation kernels: argmax = transformers' argmax at " << num_top1 << " of 320 steps; max |logit error| over "
       "the top-5 " << max_error);
}

namespace {

// Teacher-forced for 16 steps (top-1 must be transformers' at all 80, logit error < 1e-2), then free-running
// greedy: the first 16 tokens of every prompt are transformers' first 16.
void check_reproduces_greedy(Fixture& f, cpu::CpuBackend& backend, const char* what) {
  SequenceRunner runner(f.files.config(), f.weights, backend, 160, 64, DType::F32);
  int num_top1 = 0;
  double max_error = 0;
  for (const auto& c : f.golden.at("cases")) {
    INFO("prompt: " << c.at("prompt").get<std::string>());
    max_error = std::max(max_error, check_teacher_forced(runner, c, 16, num_top1));
    const auto ids = c.at("input_ids").get<std::vector<int32_t>>();
    const auto greedy = c.at("greedy").get<std::vector<int32_t>>();
    runner.reset();
    std::span<float> logits = runner.append(ids);
    for (size_t step = 0; step < 16; ++step) {
      const int32_t ours = argmax(logits);
      INFO("free-running step " << step);
      REQUIRE(ours == greedy[step]);
      logits = runner.append(std::span<const int32_t>(&ours, 1));
    }
  }
  CHECK(num_top1 == 80);
  CHECK(max_error < 1e-2);
  WARN(what << ": max |logit error| over transformers' top-5 " << max_error);
}

}  // namespace

TEST_CASE("SmolLM2 GGUF: dequantize-then-F32 reference reproduces transformers' greedy tokens", "[engine][smollm2][golden]") {
  Fixture f;
  cpu::CpuBackend backend(2);
  backend.set_dequantize_reference(true);
  check_reproduces_greedy(f, backend, "dequantize-then-F32");
}

TEST_CASE("SmolLM2 GGUF: F32-activation kernels reproduce transformers' greedy tokens", "[engine][smollm2][golden]") {
  // The fast path of the same math: weights dequantized in registers, activations kept in F32.
  Fixture f;
  cpu::CpuBackend backend(2);
  backend.set_activation_precision(cpu::ActivationPrecision::kF32);
  check_reproduces_greedy(f, backend, "F32-activation kernels");
  // And the whole check on this path (the default for this Q4_1 model): 5 prompts x 64 steps, every
  // token we pick in transformers' top-5.
  SequenceRunner runner(f.files.config(), f.weights, backend, 160, 64, DType::F32);
  int num_top1 = 0;
  for (const auto& c : f.golden.at("cases")) check_teacher_forced(runner, c, 64, num_top1);
  WARN("F32-activation kernels: argmax = transformers' argmax at " << num_top1 << " of 320 steps");
}
