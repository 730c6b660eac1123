// edgeserve: the one binary. Parses the command line (CLI11) into an AppConfig (config/settings.h), sets up
// logging and runs a subcommand. Subcommands live in server/commands/.
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "server/cli_options.h"
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

  InspectOptions inspect_options;
  CLI::App* inspect = app.add_subcommand(
      "inspect", "Describe a model: architecture, sizes, tensor dtypes, tokenizer, chat template, memory needed");
  cli.add_to(*inspect, {"model", "max_model_len", "block_size"}, "model");
  inspect->add_flag("--json", inspect_options.json, "Print the description as JSON");

  CLI11_PARSE(app, argc, argv);

  AppConfig config;
  try {
    config = resolve_app_config(cli.collect(), [](const char* name) { return std::getenv(name); });
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "edgeserve: %s\n", e.what());
    return 2;
  }
  setup_logging(config.server.log_level);

  if (*inspect) return run_inspect(config, inspect_options);
  std::cout << app.help();
  return 0;
}
