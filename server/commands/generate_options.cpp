#include "server/commands/generate_options.h"

namespace edgeserve {

void add_generate_options(CLI::App& app, GenerateOptions& o) {
  SamplingParams& s = o.sampling;
  app.add_option("-p,--prompt", o.prompt, "The prompt")->required();
  app.add_flag("--chat", o.chat, "Wrap the prompt in the model's chat template as one user message");
  app.add_flag_function("--think,!--no-think", [&o](int64_t n) { o.enable_thinking = n > 0; },
                        "enable_thinking for the chat template (Qwen3)");
  app.add_flag("--dequantize-reference", o.dequantize_reference,
               "Multiply quantized weights in F32 after dequantizing them (slow; the reference the int8 kernels are "
               "tested against)");
  app.add_option_function<int64_t>("--max-tokens", [&s](const int64_t& v) { s.max_tokens = v; }, "Tokens to generate (default: to the context end)");
  app.add_option_function<double>("--temperature", [&s](const double& v) { s.temperature = v; }, "0 is greedy");
  app.add_option_function<double>("--top-p", [&s](const double& v) { s.top_p = v; }, "Nucleus mass in (0, 1]");
  app.add_option_function<int64_t>("--top-k", [&s](const int64_t& v) { s.top_k = v; }, "Keep the k most likely (0: off)");
  app.add_option_function<double>("--min-p", [&s](const double& v) { s.min_p = v; }, "Drop tokens below min_p x the top probability");
  app.add_option_function<double>("--repetition-penalty", [&s](const double& v) { s.repetition_penalty = v; }, "HF repetition penalty (1: off)");
  app.add_option("--presence-penalty", s.presence_penalty, "OpenAI presence penalty [-2, 2]");
  app.add_option("--frequency-penalty", s.frequency_penalty, "OpenAI frequency penalty [-2, 2]");
  app.add_option_function<uint64_t>("--seed", [&s](const uint64_t& v) { s.seed = v; }, "Seed of the sampling RNG");
  app.add_flag("--ignore-eos", s.ignore_eos, "Do not stop at the model's end-of-sequence tokens");
}

}  // namespace edgeserve
