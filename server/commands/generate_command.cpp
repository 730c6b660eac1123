// `edgeserve generate [MODEL] -p TEXT [--chat] [--max-tokens N] [sampling flags]`: one prompt from the command
// line, streamed to stdout as it is decoded, then prefill and decode tokens/s on stderr. A debugging and
// smoke-test tool on the same Decoder, Sampler and detokenizer the server uses.
#include <chrono>
#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/sampler/sampler.h"
#include "engine/sequence_runner.h"
#include "engine/tokenizer/incremental_detokenizer.h"
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
    const SamplingParams params = options.sampling.resolved(mc.generation, mc.eos_token_ids);
    const int64_t context = config.scheduler.max_model_len > 0 ? config.scheduler.max_model_len : mc.max_position_embeddings;
    if (static_cast<int64_t>(prompt.size()) >= context) {
      spdlog::error("the prompt has {} tokens; the context holds {}", prompt.size(), context);
      return 2;
    }
    const int64_t max_new = std::min<int64_t>(params.max_tokens.value_or(context), context - static_cast<int64_t>(prompt.size()));

    cpu::CpuBackend backend(config.engine.num_threads);
    backend.set_dequantize_reference(options.dequantize_reference);
    SequenceRunner runner(mc, *model.weights, backend, static_cast<int64_t>(prompt.size()) + max_new,
                          config.scheduler.max_num_batched_tokens, DType::F16);
    sampler::Sampler sampler(mc.vocab_size);
    auto state = sampler::SequenceSamplingState::for_request(params, prompt);
    IncrementalDetokenizer detokenizer(*files.tokenizer(), /*skip_special_tokens=*/true);
    spdlog::info("{}: {} prompt tokens, {} threads, seed {}", files.path(), prompt.size(), backend.num_threads(), state.seed());

    const auto prefill_start = Clock::now();
    std::span<float> logits = runner.append(prompt);
    const double prefill_seconds = seconds_since(prefill_start);
    const auto decode_start = Clock::now();
    int64_t num_generated = 0;
    const char* finish = "length";
    while (num_generated < max_new) {
      const int32_t token = sampler.sample(logits, params, state).token_id;
      ++num_generated;
      bool stop = false;
      for (int32_t id : params.all_stop_token_ids) stop = stop || id == token;
      if (stop) {
        finish = "stop";
        break;
      }
      std::cout << detokenizer.add(token) << std::flush;
      if (num_generated == max_new) break;
      logits = runner.append(std::span<const int32_t>(&token, 1));
    }
    std::cout << detokenizer.flush() << std::endl;
    const double decode_seconds = seconds_since(decode_start);
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
