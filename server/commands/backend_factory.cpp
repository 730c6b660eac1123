// The Backend a command runs on: see backend_factory.h. The CUDA backend is reached only through its plugin
// (cuda_plugin_loader.h), so this binary links no CUDA library and a CPU-only build needs no change here.
#include "server/commands/backend_factory.h"

#include <stdexcept>
#include <vector>

#include <spdlog/spdlog.h>

#include "kvcache/kv_cache_spec.h"
#include "server/commands/cuda_plugin_loader.h"
#include "server/commands/model_loading.h"

namespace edgeserve {
namespace {

// Every weight the decoder prepares, a tied lm_head once.
std::vector<const TensorView*> all_weights(const ModelWeights& w) {
  std::vector<const TensorView*> out{w.embed_tokens, w.final_norm};
  if (w.lm_head != w.embed_tokens) out.push_back(w.lm_head);
  for (const LayerWeights& l : w.layers)
    out.insert(out.end(), {l.attn_norm, l.q_proj, l.k_proj, l.v_proj, l.q_bias, l.k_bias, l.v_bias, l.q_norm,
                           l.k_norm, l.o_proj, l.ffn_norm, l.gate_proj, l.up_proj, l.down_proj});
  std::erase(out, nullptr);
  return out;
}

// Why the CUDA backend cannot run the model (empty when it can).
std::string why_cuda_cannot_run(const ModelWeights& weights) {
  std::string why;
  if (!cuda_available(&why)) return why;
  const cuda::PluginApi* plugin = cuda_plugin(nullptr);
  for (const TensorView* view : all_weights(weights))
    if (!plugin->supports_weight(*view))
      return "tensor '" + view->name + "' is " + std::string(dtype_name(view->dtype)) +
             ", which has no CUDA kernel (F32, F16, BF16 and Q8_0 matrices have one; an F32/F16/BF16 checkpoint "
             "can be converted at load with --dtype bf16 or q8_0)";
  return "";
}

}  // namespace

const char* device_name(Device device) { return device == Device::kCuda ? "cuda" : "cpu"; }

bool cuda_available(std::string* why_not) {
  std::string why;
  const cuda::PluginApi* plugin = cuda_plugin(&why);
  if (plugin != nullptr && plugin->device_available(&why)) return true;
  if (plugin != nullptr) why = "no CUDA device answers (" + why + ")";
  if (why_not != nullptr) *why_not = why;
  return false;
}

Device resolve_device(const std::string& device_setting, const ModelWeights& weights) {
  if (device_setting == "cpu") return Device::kCpu;
  const std::string why_not = why_cuda_cannot_run(weights);
  if (device_setting == "cuda") {
    if (!why_not.empty()) throw std::runtime_error("--device cuda: " + why_not);
    return Device::kCuda;
  }
  if (device_setting != "auto") throw std::invalid_argument("--device: unknown device '" + device_setting + "'");
  if (why_not.empty()) return Device::kCuda;
  spdlog::info("--device auto: running on the CPU: {}", why_not);
  return Device::kCpu;
}

CommandBackend make_backend(const AppConfig& config, const ModelWeights& weights) {
  CommandBackend b;
  b.device = resolve_device(config.engine.device, weights);
  if (b.device == Device::kCpu) {
    auto cpu_backend = std::make_unique<cpu::CpuBackend>(static_cast<int>(config.engine.num_threads));
    configure_backend(config, weights, *cpu_backend);
    b.cpu = cpu_backend.get();
    b.backend = std::move(cpu_backend);
  } else {
    try {
      b.backend = cuda_plugin(nullptr)->create_backend();  // resolve_device found the plugin
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("--device ") + config.engine.device + ": " + e.what());
    }
  }
  spdlog::info("device: {} ({})", device_name(b.device), b.backend->name());
  return b;
}

int64_t device_weight_bytes(const ModelWeights& weights) {
  int64_t total = 0;
  for (const TensorView* view : all_weights(weights)) {
    if (view->shape.size() == 1)
      total += view->shape[0] * static_cast<int64_t>(sizeof(float));
    else
      total += static_cast<int64_t>(tensor_nbytes(view->dtype, view->shape));
  }
  return total;
}

void fit_kv_cache_to_device(const AppConfig& config, const ModelWeights& weights, const CommandBackend& backend,
                            EngineOptions& options) {
  if (backend.device != Device::kCuda || options.num_kv_blocks > 0 || options.kv_cache_memory > 0) return;
  int64_t free_bytes = 0, total_bytes = 0;
  cuda_plugin(nullptr)->device_memory(&free_bytes, &total_bytes);  // the backend exists: so does the plugin
  const int64_t weight_bytes = device_weight_bytes(weights);
  const double fraction = config.cache.gpu_memory_utilization;
  options.kv_cache_memory = gpu_kv_cache_memory(free_bytes, weight_bytes, fraction);
  spdlog::info("KV cache budget: {} MiB = {} x ({} MiB free of {} - {} MiB of weights) on {}",
               options.kv_cache_memory >> 20, fraction, free_bytes >> 20, total_bytes >> 20, weight_bytes >> 20,
               backend.backend->name());
  if (options.kv_cache_memory <= 0)
    throw std::runtime_error("the weights (" + std::to_string(weight_bytes >> 20) + " MiB) leave no room for a KV cache in the " +
                             std::to_string(free_bytes >> 20) + " MiB free on the GPU");
}

}  // namespace edgeserve
