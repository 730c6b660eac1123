#include "server/commands/model_loading.h"

#include <chrono>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "server/default_model.h"

namespace edgeserve {

std::string resolve_model_path(const AppConfig& config) {
  if (!config.engine.model.empty()) return config.engine.model;
  std::string path = find_default_model();
  if (path.empty())
    throw std::runtime_error("no MODEL given and the bundled default model was not found (run scripts/setup.sh)");
  return path;
}

LoadedModel load_model(const AppConfig& config) {
  const auto start = std::chrono::steady_clock::now();
  LoadedModel model;
  model.files = std::make_unique<ModelFiles>(ModelFiles::open(resolve_model_path(config)));
  model.weights = std::make_unique<ModelWeights>(map_model_weights(*model.files));
  model.converted = std::make_unique<ConvertedWeights>();
  if (const std::optional<DType> target = parse_weight_dtype(config.engine.dtype)) {
    const int64_t n = model.converted->convert(*model.weights, *target);
    spdlog::info("converted {} matrices to {} at load ({} MiB)", n, dtype_name(*target),
                 model.converted->num_bytes() >> 20);
  }
  model.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return model;
}

}  // namespace edgeserve
