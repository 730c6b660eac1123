#pragma once
// spdlog set-up for the binary: one stderr logger, level from the log_level setting.
#include <string>

namespace edgeserve {

// Precondition: `level` is one of the log_level choices (validated by config/settings).
void setup_logging(const std::string& level);

}  // namespace edgeserve
