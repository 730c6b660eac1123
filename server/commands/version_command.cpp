// `edgeserve --version`: what was built and what this machine offers (CPU features, GPUs).
#include <string>

#include "server/commands/commands.h"
#include "version.h"
#ifdef EDGESERVE_WITH_CUDA
#include "engine/backend/cuda/device_info.h"
#endif

namespace edgeserve {
namespace {

std::string cpu_features() {
  std::string out;
  auto add = [&](bool has, const char* name) {
    if (has) out += (out.empty() ? "" : " ") + std::string(name);
  };
  __builtin_cpu_init();
  add(__builtin_cpu_supports("avx2"), "avx2");
  add(__builtin_cpu_supports("fma"), "fma");
  add(__builtin_cpu_supports("avx512f"), "avx512f");
  add(__builtin_cpu_supports("avx512bw"), "avx512bw");
  add(__builtin_cpu_supports("avx512vnni"), "avx512vnni");
  add(__builtin_cpu_supports("avx512bf16"), "avx512bf16");
  return out.empty() ? "baseline x86-64 only" : out;
}

std::string gpu_report() {
#ifdef EDGESERVE_WITH_CUDA
  std::string why;
  const auto devices = cuda::list_devices(&why);
  std::string out = "CUDA library built (runtime " + cuda::runtime_version() + "); ";
  if (devices.empty()) return out + "no GPU: " + why;
  for (const auto& d : devices)
    out += "\n  gpu " + std::to_string(d.index) + ": " + d.name + ", sm_" + std::to_string(d.compute_capability_major) +
           std::to_string(d.compute_capability_minor) + ", " + std::to_string(d.total_memory_bytes >> 20) + " MiB";
  return out;
#else
  return "CUDA library not built";
#endif
}

}  // namespace

std::string version_report() {
  return std::string("edgeserve ") + EDGESERVE_VERSION + "\ncpu: " + cpu_features() + "\ncuda: " + gpu_report();
}

}  // namespace edgeserve
