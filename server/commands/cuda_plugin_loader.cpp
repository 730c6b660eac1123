// Loading of the CUDA plugin: see cuda_plugin_loader.h.
#include "server/commands/cuda_plugin_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace edgeserve {
namespace {

// Where the plugin may be, in order of preference.
std::vector<std::string> plugin_candidates() {
  std::vector<std::string> paths;
  if (const char* env = std::getenv("EDGESERVE_CUDA_PLUGIN"); env != nullptr && *env != '\0') paths.emplace_back(env);
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) paths.push_back((exe.parent_path() / cuda::kPluginFileName).string());
#ifdef EDGESERVE_CUDA_PLUGIN_BUILD_PATH
  paths.emplace_back(EDGESERVE_CUDA_PLUGIN_BUILD_PATH);
#endif
  return paths;
}

}  // namespace

const cuda::PluginApi* load_cuda_plugin_file(const std::string& path, std::string* why_not) {
  const auto fail = [&](const std::string& why) -> const cuda::PluginApi* {
    if (why_not != nullptr) *why_not = path + ": " + why;
    return nullptr;
  };
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    return fail(error != nullptr ? error : "dlopen failed");
  }
  using Entry = const cuda::PluginApi* (*)();
  auto entry = reinterpret_cast<Entry>(dlsym(handle, cuda::kPluginEntry));
  if (entry == nullptr) return fail(std::string("no ") + cuda::kPluginEntry + " entry point");
  const cuda::PluginApi* api = entry();
  if (api == nullptr || api->abi_version != cuda::kPluginAbiVersion)
    return fail("plugin ABI version " + std::to_string(api == nullptr ? -1 : api->abi_version) + ", expected " +
                std::to_string(cuda::kPluginAbiVersion) + " (a plugin from another build)");
  return api;
}

const cuda::PluginApi* cuda_plugin(std::string* why_not) {
  static std::string why;
  static const cuda::PluginApi* const api = []() -> const cuda::PluginApi* {
    if (access("/dev/nvidiactl", F_OK) != 0) {
      why = "no NVIDIA driver (/dev/nvidiactl is missing)";
      return nullptr;
    }
    std::string tried;
    for (const std::string& path : plugin_candidates()) {
      if (access(path.c_str(), F_OK) != 0) {
        tried += (tried.empty() ? "" : ", ") + path;
        continue;
      }
      return load_cuda_plugin_file(path, &why);  // the first file found decides
    }
    why = "this build has no CUDA plugin (built with EDGESERVE_CUDA=OFF or without nvcc; looked for " + tried + ")";
    return nullptr;
  }();
  if (api == nullptr && why_not != nullptr) *why_not = why;
  return api;
}

}  // namespace edgeserve
