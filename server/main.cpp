// edgeserve: the one binary. Parses the command line (CLI11) into an AppConfig (config/settings.h), sets up
// logging and runs a subcommand. Subcommands live in server/commands/.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "server/bench/bench_serve_command.h"
#include "server/cli_options.h"
#include "server/commands/generate_options.h"
#include "server/commands/commands.h"
#include "server/logging.h"
#include "version.h"

int main(int argc, char** argv) {
  using namespace edgeserve;
  CLI::App app{"edgeserve: an OpenAI-compatible inference server for small LLMs", "edgeserve"};
  app.set_version_flag("--version", [] { return version_report(); });
  app.require_subcommand(0, 1);
  app.fallthrough();  // global options may follow the subcommand

  CliSettings cli;
  cli.add_config_option(app);
  cli.add_to(app, {"log_level"});

  CLI::App* serve = app.add_subcommand("serve", "Serve the OpenAI-compatible API (default: the bundled SmolLM2 GGUF)");
  cli.add_to(*serve, {"model", "host", "port", "served_model_name", "api_key", "allowed_origins", "max_queued", "max_n",
                      "max_request_bytes", "request_timeout", "drain_timeout", "default_enable_thinking",
                      "reasoning_format", "max_thinking_tokens", "dtype", "device", "enforce_eager", "activation_precision",
                      "threads", "max_model_len", "max_num_seqs", "max_num_batched_tokens", "block_size", "kv_cache_memory",
                      "gpu_memory_utilization", "num_kv_blocks", "enable_prefix_caching"},
             "model");

  InspectOptions inspect_options;
  CLI::App* inspect = app.add_subcommand(
      "inspect", "Describe a model: architecture, sizes, tensor dtypes, tokenizer, chat template, memory needed");
  cli.add_to(*inspect, {"model", "max_model_len", "block_size"}, "model");
  inspect->add_flag("--json", inspect_options.json, "Print the description as JSON");

  GenerateOptions generate_options;
  CLI::App* generate = app.add_subcommand("generate", "Complete one prompt, streamed, then print tokens/s");
  cli.add_to(*generate, {"model", "dtype", "device", "enforce_eager", "activation_precision", "max_model_len", "threads",
                         "max_num_batched_tokens", "block_size"}, "model");
  add_generate_options(*generate, generate_options);

  BenchModelOptions bench_options;
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks");
  bench->require_subcommand(1);
  CLI::App* bench_model = bench->add_subcommand("model", "Prefill (pp) and decode (tg) tokens/s of the engine alone");
  cli.add_to(*bench_model, {"model", "dtype", "device", "enforce_eager", "activation_precision", "threads",
                            "max_num_batched_tokens"},
             "model");
  bench_model->add_option("-p,--n-prompt", bench_options.prompt_tokens, "Prompt tokens (pp)")->check(CLI::Range(0, 1 << 20));
  bench_model->add_option("-n,--n-gen", bench_options.gen_tokens, "Generated tokens (tg)")->check(CLI::Range(0, 1 << 20));
  bench_model->add_option("-r,--repetitions", bench_options.repetitions, "Repetitions")->check(CLI::Range(1, 1000));

  BenchBatchOptions batch_options;
  CLI::App* bench_batch =
      bench->add_subcommand("batch", "Aggregate decode tokens/s of the batching engine at 1..N concurrent sequences");
  cli.add_to(*bench_batch, {"model", "dtype", "device", "enforce_eager", "activation_precision", "threads", "max_num_batched_tokens",
                            "block_size", "kv_cache_memory", "gpu_memory_utilization", "num_kv_blocks"}, "model");
  bench_batch->add_option("--seqs", batch_options.num_seqs, "Concurrency levels")
      ->delimiter(',')->check(CLI::Range(1, 4096));
  bench_batch->add_option("-p,--n-prompt", batch_options.prompt_tokens, "Prompt tokens per sequence")
      ->check(CLI::Range(1, 1 << 20));
  bench_batch->add_option("-n,--n-gen", batch_options.gen_tokens, "Generated tokens per sequence")
      ->check(CLI::Range(2, 1 << 20));
  bench_batch->add_option("-r,--repetitions", batch_options.repetitions, "Runs per level (the median is shown)")
      ->check(CLI::Range(1, 100));
  bench_batch->add_option("--json-schema", batch_options.json_schema_file,
                          "Constrain every sequence by this JSON Schema file (structured output cost)");

  BenchServeOptions bench_serve_options;
  CLI::App* bench_serve = bench->add_subcommand(
      "serve", "Load-test any OpenAI-compatible server: TTFT, TPOT, ITL, E2EL, throughput (vLLM definitions)");
  add_bench_serve_options(*bench_serve, bench_serve_options);

  CLI11_PARSE(app, argc, argv);

  AppConfig config;
  try {
    config = resolve_app_config(cli.collect(), [](const char* name) { return std::getenv(name); });
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "edgeserve: %s\n", e.what());
    return 2;
  }
  setup_logging(config.server.log_level);

  if (*serve) return run_serve(config);
  if (*inspect) return run_inspect(config, inspect_options);
  if (*generate) return run_generate(config, generate_options);
  if (*bench_model) return run_bench_model(config, bench_options);
  if (*bench_batch) return run_bench_batch(config, batch_options);
  if (*bench_serve) return run_bench_serve(bench_serve_options);
  std::cout << app.help();
  return 0;
}
