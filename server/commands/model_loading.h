#pragma once
// The model a command runs: MODEL (or the bundled default) opened, validated and its weights mapped.
#include <memory>
#include <string>

#include "config/app_config.h"
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/llm_engine.h"
#include "engine/model/weight_conversion.h"

namespace edgeserve {

struct LoadedModel {
  std::unique_ptr<ModelFiles> files;      // owns the maps the weights point into
  std::unique_ptr<ModelWeights> weights;  // views into *files (or into *converted)
  std::unique_ptr<ConvertedWeights> converted;  // matrices converted by --dtype
  double load_seconds = 0;
};

// config.engine.model, or the bundled default model; throws std::runtime_error when neither exists.
std::string resolve_model_path(const AppConfig& config);

// Opens the model's files, maps its weights and converts them to --dtype; throws with a message naming the
// file and the fault.
LoadedModel load_model(const AppConfig& config);

// activation_precision resolved for a model: int8 or f32 as set; auto = int8 when every quantized matrix
// has int8 tile kernels on this CPU (Q8_0 / Q4_0 with AVX-512 VNNI), else F32 for all of them.
cpu::ActivationPrecision activation_precision_for(const AppConfig& config, const ModelWeights& weights);
// Applies the backend settings (activation_precision for `weights`) to a CPU backend.
void configure_backend(const AppConfig& config, const ModelWeights& weights, cpu::CpuBackend& backend);

// The engine's batching and KV-cache options from the settings (max_model_len, max_num_seqs,
// max_num_batched_tokens, block_size, kv_cache_memory, num_kv_blocks, enable_prefix_caching, enforce_eager).
EngineOptions engine_options(const AppConfig& config);

}  // namespace edgeserve
