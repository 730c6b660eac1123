// `edgeserve inspect [MODEL]`: opens a model's files (validating them, reading no weights) and prints
// what it is. The default MODEL is the bundled SmolLM2 GGUF.
#include <chrono>
#include <cstdio>
#include <iostream>

#include <spdlog/spdlog.h>

#include "engine/model_info.h"
#include "server/commands/commands.h"
#include "server/commands/model_loading.h"

namespace edgeserve {

int run_inspect(const AppConfig& config, const InspectOptions& options) {
  try {
    const std::string path = resolve_model_path(config);
    const auto start = std::chrono::steady_clock::now();
    ModelFiles files = ModelFiles::open(path);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ModelInfo info = describe_model(files, config.scheduler.max_model_len, config.cache.block_size);
    info.open_seconds = seconds;
    if (options.json) std::cout << to_json(info).dump(2) << "\n";
    else std::cout << to_text(info);
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}

}  // namespace edgeserve
