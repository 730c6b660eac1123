// The plugin's entry point (cuda_plugin.h): the CUDA backend's functions behind one exported table.
#include "engine/backend/cuda/cuda_plugin.h"

#include "engine/backend/cuda/cuda_backend.h"
#include "engine/backend/cuda/device_info.h"

#include <vector>

namespace edgeserve::cuda {
namespace {

bool device_available(std::string* why_not) {
  std::string why;
  if (!list_devices(&why).empty()) return true;
  if (why_not != nullptr) *why_not = why.empty() ? "no CUDA device visible" : why;
  return false;
}

void free_and_total(int64_t* free_bytes, int64_t* total_bytes) {
  const DeviceMemory memory = device_memory(0);
  *free_bytes = memory.free_bytes;
  *total_bytes = memory.total_bytes;
}

std::unique_ptr<Backend> create_backend() { return std::make_unique<CudaBackend>(0); }

std::string device_report() {
  std::string why;
  const std::vector<DeviceInfo> devices = list_devices(&why);
  std::string out = "CUDA plugin loaded (runtime " + runtime_version() + "); ";
  if (devices.empty()) return out + "no GPU: " + why;
  for (const DeviceInfo& d : devices)
    out += "\n  gpu " + std::to_string(d.index) + ": " + d.name + ", sm_" + std::to_string(d.compute_capability_major) +
           std::to_string(d.compute_capability_minor) + ", " + std::to_string(d.total_memory_bytes >> 20) + " MiB";
  return out;
}

const PluginApi kApi{kPluginAbiVersion, &device_available, &CudaBackend::supports_weight, &free_and_total,
                     &create_backend, &device_report};

}  // namespace
}  // namespace edgeserve::cuda

extern "C" __attribute__((visibility("default"))) const edgeserve::cuda::PluginApi* edgeserve_cuda_plugin() {
  return &edgeserve::cuda::kApi;
}
