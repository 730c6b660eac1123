// `edgeserve bench batch [MODEL] [--seqs 1,8,32,64] [-p 128] [-n 64]`: aggregate decode throughput of the
// batching engine alone (no HTTP) at several concurrency levels. For each level N, N requests with random
// P-token prompts and N generated tokens each (ignore_eos, greedy) go through LLMEngine::step(); once every
// request has its first token, the steps in which all N sequences decode are timed: tokens/s summed over the
// sequences, and per sequence. Prefix caching is off (random prompts share nothing anyway).
// Each level runs -r times (default 3); the median by aggregate tokens/s is printed.
// `--json-schema FILE`: every request decodes under that schema's grammar (structured output), so the same
// run measures what constrained decoding costs against free decoding.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include <spdlog/spdlog.h>

#include "engine/llm_engine.h"
#include "engine/structured/json_schema_compiler.h"
#include "engine/structured/token_mask_cache.h"
#include <fstream>
#include "server/commands/backend_factory.h"
#include "server/commands/commands.h"
#include "server/commands/model_loading.h"

namespace edgeserve {
namespace {

using Clock = std::chrono::steady_clock;

struct LevelResult {
  int64_t num_seqs = 0;
  double prefill_seconds = 0;   // until every request had its first token
  int64_t decode_steps = 0;
  int64_t decode_tokens = 0;
  double decode_seconds = 0;
};

LevelResult run_level(LLMEngine& engine, int64_t num_seqs, const BenchBatchOptions& options, int64_t vocab,
                      std::mt19937& rng, const std::optional<StructuredOutputSpec>& structured) {
  std::uniform_int_distribution<int32_t> token(0, static_cast<int32_t>(vocab - 1));
  for (int64_t i = 0; i < num_seqs; ++i) {
    EngineRequest r;
    r.request_id = i;
    r.prompt_token_ids.resize(static_cast<size_t>(options.prompt_tokens));
    for (auto& t : r.prompt_token_ids) t = token(rng);
    r.params.temperature = 0.0;
    r.params.max_tokens = options.gen_tokens;
    r.params.ignore_eos = true;
    r.structured_output = structured;
    if (auto rejection = engine.validate(r)) throw std::runtime_error(rejection->message);
    engine.add_request(std::move(r));
  }
  LevelResult result;
  result.num_seqs = num_seqs;
  std::vector<bool> started(static_cast<size_t>(num_seqs), false);
  int64_t num_started = 0;
  const auto start = Clock::now();
  while (engine.has_unfinished_requests()) {
    const auto step_start = Clock::now();
    const auto outputs = engine.step();
    const double seconds = std::chrono::duration<double>(Clock::now() - step_start).count();
    const bool all_started = num_started == num_seqs;
    int64_t tokens = 0;
    for (const auto& o : outputs) {
      if (o.token_id < 0) continue;
      tokens += 1;
      if (!started[static_cast<size_t>(o.request_id)]) {
        started[static_cast<size_t>(o.request_id)] = true;
        num_started += 1;
      }
    }
    if (!all_started && num_started == num_seqs)
      result.prefill_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (all_started && tokens == num_seqs) {
      result.decode_steps += 1;
      result.decode_tokens += tokens;
      result.decode_seconds += seconds;
    }
  }
  return result;
}

}  // namespace

int run_bench_batch(const AppConfig& config, const BenchBatchOptions& options) {
  try {
    LoadedModel model = load_model(config);
    const ModelConfig& mc = model.files->config();
    CommandBackend backend = make_backend(config, *model.weights);
    const int64_t max_seqs = *std::max_element(options.num_seqs.begin(), options.num_seqs.end());
    EngineOptions engine_opts = engine_options(config);
    engine_opts.max_num_seqs = max_seqs;
    engine_opts.enable_prefix_caching = false;
    const int64_t tokens_per_seq = options.prompt_tokens + options.gen_tokens;
    if (engine_opts.num_kv_blocks == 0 && engine_opts.kv_cache_memory == 0)
      engine_opts.num_kv_blocks = max_seqs * ((tokens_per_seq + engine_opts.block_size - 1) / engine_opts.block_size);
    engine_opts.max_model_len = std::max<int64_t>(engine_opts.max_model_len, tokens_per_seq + 1);
    fit_kv_cache_to_device(config, *model.weights, backend, engine_opts);
    LLMEngine engine(mc, *model.weights, *backend.backend, engine_opts, mc.eos_token_ids);
    std::optional<StructuredOutputSpec> structured;
    if (!options.json_schema_file.empty()) {
      std::ifstream in(options.json_schema_file);
      if (!in) throw std::runtime_error(options.json_schema_file + ": cannot open");
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      StructuredOutputSpec spec;
      spec.grammar = structured::compile_json_schema_text(text);
      spec.index = structured::TokenIndex::from_tokenizer(*model.files->tokenizer());
      spec.cache = std::make_shared<structured::TokenMaskCache>(spec.grammar, spec.index);
      spec.stop_token_ids = mc.eos_token_ids;
      structured = std::move(spec);
    }
    if (structured) std::printf("structured output: every sequence constrained by %s\n", options.json_schema_file.c_str());
    std::printf("model: %s (%s)\nbackend: %s, prompt %lld tokens, %lld generated per sequence, %lld KV blocks\n",
                model.files->path().c_str(), model.files->format_description().c_str(), backend.backend->name().c_str(),
                static_cast<long long>(options.prompt_tokens), static_cast<long long>(options.gen_tokens),
                static_cast<long long>(engine.num_kv_blocks()));
    std::printf("| sequences | decode tokens/s (all) | per sequence | step ms | vs 1 sequence | prefill s |\n");
    std::printf("|---|---|---|---|---|---|\n");
    std::mt19937 rng(1234);
    run_level(engine, 1, options, mc.vocab_size, rng, structured);   // warm-up: weights, KV pages, mask cache
    double single = 0;
    for (int64_t n : options.num_seqs) {
      // The median of the repetitions by aggregate throughput (single-sequence decode is bandwidth-bound and
      // swings with the neighbours on a shared machine).
      std::vector<LevelResult> runs;
      for (int rep = 0; rep < options.repetitions; ++rep)
        runs.push_back(run_level(engine, n, options, mc.vocab_size, rng, structured));
      auto rate = [](const LevelResult& r) {
        return r.decode_seconds > 0 ? static_cast<double>(r.decode_tokens) / r.decode_seconds : 0.0;
      };
      std::sort(runs.begin(), runs.end(), [&](const auto& a, const auto& b) { return rate(a) < rate(b); });
      const LevelResult& r = runs[runs.size() / 2];
      const double aggregate = rate(r);
      if (n == 1) single = aggregate;
      std::printf("| %lld | %.1f | %.1f | %.1f | %s | %.2f |\n", static_cast<long long>(n), aggregate,
                  aggregate / static_cast<double>(n),
                  r.decode_steps > 0 ? 1000.0 * r.decode_seconds / static_cast<double>(r.decode_steps) : 0.0,
                  single > 0 ? (std::to_string(aggregate / single).substr(0, 4) + "x").c_str() : "-",
                  r.prefill_seconds);
      std::fflush(stdout);
    }
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}

}  // namespace edgeserve
