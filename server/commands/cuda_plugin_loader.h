#pragma once
// Finds and loads the CUDA plugin (engine/backend/cuda/cuda_plugin.h, libedgeserve_cuda.so) at run time, so
// that the server binary links no CUDA library. Knows files and dlopen only; what the plugin does is
// backend_factory's business.
#include <string>

#include "engine/backend/cuda/cuda_plugin.h"

namespace edgeserve {

// Loads the plugin file at `path`: dlopen, its entry point, its ABI version. nullptr with the reason in
// *why_not when any of them fails. The library stays loaded for the life of the process.
const cuda::PluginApi* load_cuda_plugin_file(const std::string& path, std::string* why_not);

// The plugin for this process, looked for once: nullptr with the reason when no NVIDIA driver is present
// (/dev/nvidiactl missing: nothing is loaded then) or no plugin file is found. Candidates, first found wins:
// $EDGESERVE_CUDA_PLUGIN, libedgeserve_cuda.so next to the executable, the build folder it was built in.
const cuda::PluginApi* cuda_plugin(std::string* why_not);

}  // namespace edgeserve
