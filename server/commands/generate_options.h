#pragma once
// The flags of `edgeserve generate`: the prompt, chat mode and the sampling parameters (names as in the
// OpenAI API, dashes for underscores). Unset sampling flags leave the model's generation_config to decide.
#include <CLI/CLI.hpp>

#include "server/commands/commands.h"

namespace edgeserve {

void add_generate_options(CLI::App& app, GenerateOptions& options);

}  // namespace edgeserve
