// `edgeserve --version`: what was built and what this machine offers (CPU features, GPUs).
#include <string>

#include "server/commands/commands.h"
#include "server/commands/cuda_plugin_loader.h"
#include "version.h"

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
  std::string why;
  const cuda::PluginApi* plugin = cuda_plugin(&why);
  return plugin != nullptr ? plugin->device_report() : "not available: " + why;
}

}  // namespace

std::string version_report() {
  return std::string("edgeserve ") + EDGESERVE_VERSION + "\ncpu: " + cpu_features() + "\ncuda: " + gpu_report();
}

}  // namespace edgeserve
