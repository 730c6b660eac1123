#pragma once
// What CUDA devices this process can see. Plain C++ header: no CUDA header leaks into CPU code.
// Built only when the CUDA library is (EDGESERVE_WITH_CUDA).
#include <cstdint>
#include <string>
#include <vector>

namespace edgeserve::cuda {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int compute_capability_major = 0;
  int compute_capability_minor = 0;
  int64_t total_memory_bytes = 0;
  int multiprocessor_count = 0;
};

// The visible devices; empty when there is no GPU or no driver, with the reason in `*why_none`.
std::vector<DeviceInfo> list_devices(std::string* why_none);

// Memory of one device as the driver reports it now (cudaMemGetInfo): what other processes and this one
// already hold is not free.
struct DeviceMemory {
  int64_t free_bytes = 0;
  int64_t total_bytes = 0;
};
// Makes `device` current and reads its memory; throws std::runtime_error naming the device and the CUDA
// error when it cannot.
DeviceMemory device_memory(int device);

// Version of the CUDA runtime this library was built against, e.g. "13.0".
std::string runtime_version();

}  // namespace edgeserve::cuda
