#pragma once
// Helpers for engine tests on the tiny random checkpoints of tests/fixtures/golden: load a model, build an
// LLMEngine with given options, make seeded random prompts, and run requests to completion while checking
// the scheduler's invariants after every step.
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/llm_engine.h"
#include "engine/model/model_weights.h"
#include "engine/model_files.h"
#include "tests/test_paths.h"

namespace edgeserve::test {

struct TinyModel {
  ModelFiles files;
  ModelWeights weights;
  cpu::CpuBackend backend{2};

  explicit TinyModel(const std::string& name)
      : files(ModelFiles::open(fixtures_dir() + "/golden/" + name)), weights(map_model_weights(files)) {}

  // F32 KV so that the tokens compare against the golden decoder tests' precision.
  std::unique_ptr<LLMEngine> engine(EngineOptions options) {
    options.kv_dtype = DType::F32;
    return std::make_unique<LLMEngine>(files.config(), weights, backend, options, files.config().eos_token_ids);
  }
};

inline std::vector<int32_t> random_prompt(std::mt19937& rng, int32_t length, int32_t vocab) {
  std::vector<int32_t> p(static_cast<size_t>(length));
  for (auto& t : p) t = static_cast<int32_t>(rng() % static_cast<uint32_t>(vocab));
  return p;
}

inline SamplingParams greedy(int64_t max_tokens) {
  SamplingParams p;
  p.temperature = 0.0;
  p.max_tokens = max_tokens;
  p.ignore_eos = true;
  return p;
}

// Steps until nothing is left (bounded); returns each request's output tokens.
inline std::map<int64_t, std::vector<int32_t>> run_to_completion(LLMEngine& engine, int64_t max_steps = 100000) {
  std::map<int64_t, std::vector<int32_t>> tokens;
  for (int64_t step = 0; engine.has_unfinished_requests(); ++step) {
    REQUIRE(step < max_steps);
    for (const RequestOutput& o : engine.step()) {
      REQUIRE(o.error.empty());
      if (o.token_id >= 0) tokens[o.request_id].push_back(o.token_id);
    }
    REQUIRE_NOTHROW(engine.scheduler().check_invariants());
  }
  return tokens;
}

inline void add(LLMEngine& engine, int64_t id, std::vector<int32_t> prompt, SamplingParams params) {
  EngineRequest r{id, std::move(prompt), std::move(params)};
  const auto rejection = engine.validate(r);
  REQUIRE_FALSE(rejection);
  engine.add_request(std::move(r));
}

}  // namespace edgeserve::test
