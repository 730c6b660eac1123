#pragma once
// The subcommands of the edgeserve binary. Each returns the process exit status.
#include <string>

#include "config/app_config.h"

namespace edgeserve {

// `edgeserve --version`: version, build options, CPU features and visible GPUs.
std::string version_report();

struct InspectOptions {
  bool json = false;
};
// `edgeserve inspect [MODEL]`: loads the model's files (no weights are read) and describes them.
int run_inspect(const AppConfig& config, const InspectOptions& options);

}  // namespace edgeserve
