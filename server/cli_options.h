#pragma once
// Registers the settings of config/settings.h as CLI11 options on a (sub)command, so that flags, env
// names and validation come from the one settings table. After parsing, `collect()` returns only the
// flags the user actually passed: those outrank the environment and the config file.
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "config/settings.h"

namespace edgeserve {

class CliSettings {
 public:
  // Adds `--<name>` options for the named settings; `positional` (optional) becomes a positional argument.
  void add_to(CLI::App& app, const std::vector<std::string>& names, const std::string& positional = {});
  // Adds the global `--config FILE` option.
  void add_config_option(CLI::App& app);
  // The sources to resolve: only the options given on the command line.
  SettingSources collect() const;

 private:
  std::map<std::string, std::string> raw_;       // setting name -> raw value (stable node addresses)
  std::multimap<std::string, CLI::Option*> all_options_;
  std::string config_file_;
  CLI::Option* config_option_ = nullptr;
};

}  // namespace edgeserve
