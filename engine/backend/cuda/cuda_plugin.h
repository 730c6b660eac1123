#pragma once
// The CUDA backend as a plugin: libedgeserve_cuda.so, which the server loads (dlopen) only when it may run on
// a GPU. Linking cuBLAS into the server would map and relocate it at every start: about 200 MiB of RSS for a
// CPU run that never touches it. The plugin's one exported function returns this table. Plain C++ (no CUDA
// header): the plugin and the server are built together, so C++ types may cross.
#include <cstdint>
#include <memory>
#include <string>

#include "engine/backend/backend.h"
#include "engine/tensor.h"

namespace edgeserve::cuda {

inline constexpr int kPluginAbiVersion = 1;
inline constexpr char kPluginEntry[] = "edgeserve_cuda_plugin";  // const PluginApi* (*)()
inline constexpr char kPluginFileName[] = "libedgeserve_cuda.so";

struct PluginApi {
  int abi_version = kPluginAbiVersion;
  // Whether a CUDA device answers; otherwise false with the runtime's reason in *why_not.
  bool (*device_available)(std::string* why_not) = nullptr;
  // Whether CudaBackend has kernels for this weight (CudaBackend::supports_weight).
  bool (*supports_weight)(const TensorView& weight) = nullptr;
  // Free and total bytes of device 0 now.
  void (*device_memory)(int64_t* free_bytes, int64_t* total_bytes) = nullptr;
  // A backend on device 0; throws std::runtime_error when CUDA fails.
  std::unique_ptr<Backend> (*create_backend)() = nullptr;
  // The runtime version and one line per device, for `edgeserve --version`.
  std::string (*device_report)() = nullptr;
};

}  // namespace edgeserve::cuda

extern "C" const edgeserve::cuda::PluginApi* edgeserve_cuda_plugin();
