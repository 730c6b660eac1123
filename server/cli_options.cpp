#include "server/cli_options.h"

#include <stdexcept>

namespace edgeserve {

void CliSettings::add_to(CLI::App& app, const std::vector<std::string>& names, const std::string& positional) {
  for (const auto& name : names) {
    const Setting* s = find_setting(name);
    if (s == nullptr) throw std::logic_error("CLI refers to unknown setting " + name);
    std::string& target = raw_[name];
    const std::string spec = name == positional ? s->name : s->flag();
    std::string help = s->help + " [env " + s->env_var() + "]";
    all_options_.emplace(name, app.add_option(spec, target, help));
  }
}

void CliSettings::add_config_option(CLI::App& app) {
  config_option_ = app.add_option("--config", config_file_,
                                  "JSON file of settings (lower precedence than env and flags) [env EDGESERVE_CONFIG]");
}

SettingSources CliSettings::collect() const {
  SettingSources sources;
  for (const auto& [name, option] : all_options_)
    if (option->count() > 0) sources.cli[name] = raw_.at(name);
  if (config_option_ != nullptr && config_option_->count() > 0) sources.config_file = config_file_;
  return sources;
}

}  // namespace edgeserve
