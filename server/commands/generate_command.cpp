// `edgeserve generate [MODEL] -p TEXT [--chat] [--max-tokens N] [sampling flags]`: one prompt from the command
// line, streamed to stdout as it is decoded, then prefill and decode tokens/s on stderr. A debugging and
// smoke-test tool on the same LLMEngine (scheduler, paged KV cache, sampler) and detokenizer the server uses.
#include <chrono>
#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>

#include "engine/sampler/sampler.h"
#include "engine/llm_engine.h"
#include "engine/tokenizer/incremental_detokenizer.h"
#include "server/commands/backend_factory.h"
#include "server/commands/commands.h"
#include "server/commands/model_loading.h"

namespace edgeserve {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::vector<int32_t> prompt_ids(const ModelFiles& files, const GenerateOptions& options) {
  const Tokenizer& tokenizer = *files.tokenizer();
  if (!options.chat) return tokenizer.encode(options.prompt, /*parse_special=*/false, /*add_special_tokens=*/true);
  const ChatTemplate* tmpl = files.chat_template();
  if (tmpl == nullptr) throw std::runtime_error(files.path() + ": --chat needs a chat template, and the model has none");
  ChatTemplateInputs inputs;
  inputs.messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", options.prompt}}});
  inputs.add_generation_prompt = true;
  inputs.bos_token = tokenizer.config().bos_token;
  inputs.eos_token = tokenizer.config().eos_token;
  if (options.enable_thinking) inputs.extra_kwargs["enable_thinking"] = *options.enable_thinking;
  // The rendered template holds the special tokens as text: parse them.
  return tokenizer.encode(tmpl->render(inputs), /*parse_special=*/true, /*add_special_tokens=*/false);
}

}  // namespace

int run_generate(const AppConfig& config, const GenerateOptions& options) {
  try {
    LoadedModel model = load_model(config);
    const ModelFiles& files = *model.files;
    if (files.tokenizer() == nullptr) throw std::runtime_error(files.path() + ": the model has no tokenizer");
    const ModelConfig& mc = files.config();

    const std::vector<int32_t> prompt = prompt_ids(files, options);
    if (auto error = options.sampling.validate(mc.vocab_size)) {
      spdlog::error("--{}: {}", error->param, error->message);
      return 2;
    }
    CommandBackend backend = make_backend(config, *model.weights);
    if (backend.cpu != nullptr)
      backend.cpu->set_dequantize_reference(options.dequantize_reference);
    else if (options.dequantize_reference)
      throw std::runtime_error("--dequantize-reference is a CPU reference mode; it needs --device cpu");
    EngineOptions engine_opts = engine_options(config);
    engine_opts.max_num_seqs = 1;
    // One sequence: the cache only needs its context (unless the settings say otherwise).
    if (engine_opts.num_kv_blocks == 0 && engine_opts.kv_cache_memory == 0) {
      const int64_t context = engine_opts.max_model_len > 0 ? engine_opts.max_model_len : mc.max_position_embeddings;
      const int64_t wanted = static_cast<int64_t>(prompt.size()) + options.sampling.max_tokens.value_or(context);
      engine_opts.num_kv_blocks = (std::min(wanted, context) + engine_opts.block_size - 1) / engine_opts.block_size;
    }
    fit_kv_cache_to_device(config, *model.weights, backend, engine_opts);
    LLMEngine engine(mc, *model.weights, *backend.backend, engine_opts, mc.eos_token_ids);
    EngineRequest request{0, prompt, options.sampling};
    if (auto rejection = engine.validate(request)) {
      spdlog::error("{}{}", rejection->param.empty() ? "" : "--" + rejection->param + ": ", rejection->message);
      return 2;
    }
    engine.add_request(std::move(request));
    IncrementalDetokenizer detokenizer(*files.tokenizer(), /*skip_special_tokens=*/true);
    spdlog::info("{}: {} prompt tokens, {}", files.path(), prompt.size(), backend.backend->name());

    // The first token closes the prefill; the rest are decode steps.
    const auto start = Clock::now();
    double prefill_seconds = 0;
    int64_t num_generated = 0;
    const char* finish = "length";
    while (engine.has_unfinished_requests()) {
      for (const RequestOutput& o : engine.step()) {
        if (!o.error.empty()) throw std::runtime_error(o.error);
        if (o.token_id >= 0 && ++num_generated == 1) prefill_seconds = seconds_since(start);
        if (o.finish_reason) finish = to_string(*o.finish_reason);
        if (o.token_id >= 0 && o.finish_reason != FinishReason::kStop) std::cout << detokenizer.add(o.token_id) << std::flush;
      }
    }
    std::cout << detokenizer.flush() << std::endl;
    const double decode_seconds = seconds_since(start) - prefill_seconds;
    std::fprintf(stderr, "prefill: %zu tokens in %.3f s (%.1f tokens/s)\ndecode: %lld tokens in %.3f s (%.1f tokens/s), finish_reason %s\n",
                 prompt.size(), prefill_seconds, static_cast<double>(prompt.size()) / prefill_seconds,
                 static_cast<long long>(num_generated), decode_seconds,
                 num_generated > 1 ? static_cast<double>(num_generated - 1) / decode_seconds : 0.0, finish);
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}

}  // namespace edgeserve
