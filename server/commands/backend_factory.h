#pragma once
// The Backend a command runs on: --device (cpu | cuda | auto) resolved against this build and machine, the
// backend built and configured for the model, and the KV budget the device allows. The CUDA backend is reached
// through its run-time plugin (cuda_plugin_loader.h): nothing here includes a CUDA header or links a CUDA
// library, and a build with -DEDGESERVE_CUDA=OFF differs only in having no plugin file.
#include <cstdint>
#include <memory>
#include <string>

#include "config/app_config.h"
#include "engine/backend/backend.h"
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/llm_engine.h"
#include "engine/model/model_weights.h"

namespace edgeserve {

enum class Device { kCpu, kCuda };
const char* device_name(Device device);   // "cpu", "cuda"

// Whether this build has the CUDA backend and a CUDA device answers; otherwise false with the reason in
// `*why_not` ("this build has no CUDA backend (built with EDGESERVE_CUDA=OFF or without nvcc)", the driver's
// error, ...).
bool cuda_available(std::string* why_not);

// The device for `device_setting` (AppConfig::engine.device) and the model's weights:
//   cpu  -> kCpu;
//   cuda -> kCuda, or std::runtime_error "--device cuda: <why>" when the build has no CUDA, no device answers
//           or a weight's dtype has no CUDA kernel (the tensor is named);
//   auto -> kCuda when cuda would succeed, else kCpu (the reason is logged at info level).
Device resolve_device(const std::string& device_setting, const ModelWeights& weights);

struct CommandBackend {
  Device device = Device::kCpu;
  std::unique_ptr<Backend> backend;
  cpu::CpuBackend* cpu = nullptr;   // == backend.get() on the CPU (threads, CPU-only settings); null on CUDA
};

// Resolves --device, builds the backend (CPU: --threads and configure_backend's settings; CUDA: device 0)
// and logs the choice. Throws std::runtime_error with a message naming the fault (see resolve_device).
CommandBackend make_backend(const AppConfig& config, const ModelWeights& weights);

// Bytes the model's weights take once a device backend prepared them: 2-D matrices as stored, 1-D weights
// (norms, biases) widened to F32, a tied lm_head once.
int64_t device_weight_bytes(const ModelWeights& weights);

// On CUDA, when `options` sizes the KV cache by neither num_kv_blocks nor kv_cache_memory: kv_cache_memory =
// gpu_memory_utilization x (device memory free now - device_weight_bytes), the weights being uploaded when
// the engine is built, after this call. Throws std::runtime_error when that leaves no memory. CPU: no change.
void fit_kv_cache_to_device(const AppConfig& config, const ModelWeights& weights, const CommandBackend& backend,
                            EngineOptions& options);

}  // namespace edgeserve
