#include "server/commands/model_loading.h"

#include <chrono>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "engine/backend/cpu/quant/kernels.h"
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

cpu::ActivationPrecision activation_precision_for(const AppConfig& config, const ModelWeights& weights) {
  const std::string& p = config.engine.activation_precision;
  if (p == "int8") return cpu::ActivationPrecision::kInt8;
  if (p == "f32") return cpu::ActivationPrecision::kF32;
  // auto: int8 only when every quantized matrix has the int8 tile kernels on this CPU (their prefill and
  // batched decode are faster); otherwise F32 everywhere, which is also faster for those formats and gives
  // transformers' numerics. One choice for the whole model: mixing the two adds noise without speed.
  std::vector<const TensorView*> matrices{weights.lm_head};
  for (const LayerWeights& l : weights.layers)
    matrices.insert(matrices.end(), {l.q_proj, l.k_proj, l.v_proj, l.o_proj, l.gate_proj, l.up_proj, l.down_proj});
  for (const TensorView* m : matrices)
    if (m != nullptr && is_quantized(m->dtype) && quant::quant_kernels().vec_dot_tile(m->dtype) == nullptr)
      return cpu::ActivationPrecision::kF32;
  return cpu::ActivationPrecision::kInt8;
}

void configure_backend(const AppConfig& config, const ModelWeights& weights, cpu::CpuBackend& backend) {
  backend.set_activation_precision(activation_precision_for(config, weights));
}

EngineOptions engine_options(const AppConfig& config) {
  EngineOptions o;
  o.max_model_len = config.scheduler.max_model_len;
  o.max_num_seqs = config.scheduler.max_num_seqs;
  o.max_num_batched_tokens = config.scheduler.max_num_batched_tokens;
  o.block_size = config.cache.block_size;
  o.kv_cache_memory = config.cache.kv_cache_memory;
  o.num_kv_blocks = config.cache.num_kv_blocks;
  o.enable_prefix_caching = config.cache.enable_prefix_caching;
  o.enforce_eager = config.engine.enforce_eager;
  return o;
}

}  // namespace edgeserve
