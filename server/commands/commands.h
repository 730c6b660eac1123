#pragma once
// The subcommands of the edgeserve binary. Each returns the process exit status.
#include <optional>
#include <string>
#include <vector>

#include "config/app_config.h"
#include "scheduler/sampling_params.h"

namespace edgeserve {

// `edgeserve --version`: version, build options, CPU features and visible GPUs.
std::string version_report();

// `edgeserve serve [MODEL]`: the OpenAI-compatible HTTP server.
int run_serve(const AppConfig& config);

struct InspectOptions {
  bool json = false;
};
// `edgeserve inspect [MODEL]`: loads the model's files (no weights are read) and describes them.
int run_inspect(const AppConfig& config, const InspectOptions& options);

struct GenerateOptions {
  std::string prompt;
  bool chat = false;                     // render the model's chat template around the prompt
  std::optional<bool> enable_thinking;   // passed to the template when set
  bool dequantize_reference = false;     // F32 math on dequantized weights instead of the int8 kernels
  SamplingParams sampling;
};
// `edgeserve generate [MODEL] -p TEXT`: streams the completion, then prefill and decode tokens/s.
int run_generate(const AppConfig& config, const GenerateOptions& options);

struct BenchModelOptions {
  int64_t prompt_tokens = 512;
  int64_t gen_tokens = 128;
  int repetitions = 3;
};
// `edgeserve bench model [MODEL]`: llama-bench-like prefill (pp) and decode (tg) tokens/s.
int run_bench_model(const AppConfig& config, const BenchModelOptions& options);

struct BenchBatchOptions {
  std::vector<int64_t> num_seqs{1, 8, 32, 64};
  int64_t prompt_tokens = 128;
  int64_t gen_tokens = 64;
  std::string json_schema_file;   // constrain every sequence by this JSON Schema
  int repetitions = 3;            // per level; the median is reported
};
// `edgeserve bench batch [MODEL]`: aggregate decode tokens/s of the batching engine at several concurrencies.
int run_bench_batch(const AppConfig& config, const BenchBatchOptions& options);

}  // namespace edgeserve
