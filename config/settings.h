#pragma once
// The settings table and the layering that fills an AppConfig from its four sources.
// Precedence: command line > EDGESERVE_* environment > JSON config file > defaults.
// A bad value from any source is a ConfigError naming the setting and where the value came from.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/app_config.h"
#include "config/model_config.h"

namespace edgeserve {

enum class SettingKind { kString, kInt, kChoice, kFraction };   // kFraction: a number in (0, 1]

struct Setting {
  std::string name;                  // JSON key; the CLI flag is --name with '_' -> '-'
  std::string help;
  SettingKind kind = SettingKind::kString;
  int64_t min = 0, max = 0;          // kInt range, inclusive
  std::vector<std::string> choices;  // kChoice
  std::function<void(AppConfig&, const std::string&, int64_t)> assign;  // string value, int value

  std::string flag() const;          // "--max-model-len"
  std::string env_var() const;       // "EDGESERVE_MAX_MODEL_LEN"
};

// Every setting, in display order.
const std::vector<Setting>& all_settings();
const Setting* find_setting(const std::string& name);

// Raw values per source, keyed by setting name. `cli` holds only the flags the user actually passed.
struct SettingSources {
  std::map<std::string, std::string> cli;
  std::optional<std::string> config_file;   // path from --config or EDGESERVE_CONFIG
};

// Builds the AppConfig: defaults, then the file, then the environment (`getenv`), then the CLI values.
AppConfig resolve_app_config(const SettingSources& sources,
                             const std::function<const char*(const char*)>& getenv_fn);

// Parses one raw value for `setting` and stores it; `origin` ("--port", "EDGESERVE_PORT", "file x.json")
// appears in the error message.
void apply_setting(AppConfig& config, const Setting& setting, const std::string& raw, const std::string& origin);

}  // namespace edgeserve
