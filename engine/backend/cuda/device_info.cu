#include "engine/backend/cuda/device_info.h"

#include <cuda_runtime.h>

#include <stdexcept>

namespace edgeserve::cuda {

std::vector<DeviceInfo> list_devices(std::string* why_none) {
  std::vector<DeviceInfo> devices;
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    if (why_none != nullptr) *why_none = cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return devices;
  }
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    devices.push_back({i, prop.name, prop.major, prop.minor, static_cast<int64_t>(prop.totalGlobalMem),
                       prop.multiProcessorCount});
  }
  if (devices.empty() && why_none != nullptr) *why_none = "no CUDA device visible";
  return devices;
}

DeviceMemory device_memory(int device) {
  auto fail = [device](const char* call, cudaError_t err) {
    cudaGetLastError();  // clear it: the caller reports and may go on without the GPU
    throw std::runtime_error("CUDA device " + std::to_string(device) + ": " + call + " failed: " + cudaGetErrorString(err));
  };
  if (cudaError_t err = cudaSetDevice(device); err != cudaSuccess) fail("cudaSetDevice", err);
  size_t free_bytes = 0, total_bytes = 0;
  if (cudaError_t err = cudaMemGetInfo(&free_bytes, &total_bytes); err != cudaSuccess) fail("cudaMemGetInfo", err);
  return {static_cast<int64_t>(free_bytes), static_cast<int64_t>(total_bytes)};
}

std::string runtime_version() {
  return std::to_string(CUDART_VERSION / 1000) + "." + std::to_string((CUDART_VERSION % 1000) / 10);
}

}  // namespace edgeserve::cuda
