#include "config/settings.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace edgeserve {
namespace {

// A number in (0, 1] written in full ("0.9", "1", "5e-1"), or nothing.
std::optional<double> parse_fraction(const std::string& raw) {
  double value = 0;
  const char* end = raw.data() + raw.size();
  auto [ptr, ec] = std::from_chars(raw.data(), end, value);
  if (raw.empty() || ec != std::errc() || ptr != end || !(value > 0.0 && value <= 1.0)) return std::nullopt;
  return value;
}

std::vector<Setting> make_settings() {
  std::vector<Setting> s;
  s.push_back({"log_level", "Log level", SettingKind::kChoice, 0, 0,
               {"trace", "debug", "info", "warn", "error", "off"},
               [](AppConfig& c, const std::string& v, int64_t) { c.server.log_level = v; }});
  s.push_back({"host", "Address to listen on", SettingKind::kString, 0, 0, {},
               [](AppConfig& c, const std::string& v, int64_t) { c.server.host = v; }});
  s.push_back({"port", "Port to listen on", SettingKind::kInt, 0, 65535, {},
               [](AppConfig& c, const std::string&, int64_t v) { c.server.port = v; }});
  s.push_back({"served_model_name", "Model id in the API (default: the model's file or folder name)",
               SettingKind::kString, 0, 0, {},
               [](AppConfig& c, const std::string& v, int64_t) { c.server.served_model_name = v; }});
  s.push_back({"api_key", "API keys clients must send as 'Authorization: Bearer KEY' (comma-separated)",
               SettingKind::kString, 0, 0, {},
               [](AppConfig& c, const std::string& v, int64_t) { c.server.api_key = v; }});
  s.push_back({"allowed_origins", "CORS origins allowed to call the API (comma-separated, * for any)",
               SettingKind::kString, 0, 0, {},
               [](AppConfig& c, const std::string& v, int64_t) { c.server.allowed_origins = v; }});
  s.push_back({"max_queued", "Choices admitted beyond max_num_seqs; more get 429 with Retry-After", SettingKind::kInt,
               0, 1 << 16, {}, [](AppConfig& c, const std::string&, int64_t v) { c.server.max_queued = v; }});
  s.push_back({"max_n", "Largest n (choices) a request may ask for", SettingKind::kInt, 1, 128, {},
               [](AppConfig& c, const std::string&, int64_t v) { c.server.max_n = v; }});
  s.push_back({"max_request_bytes", "Request body limit in bytes (413 beyond)", SettingKind::kInt, 1024,
               int64_t{1} << 30, {}, [](AppConfig& c, const std::string&, int64_t v) { c.server.max_request_bytes = v; }});
  s.push_back({"request_timeout", "Seconds for a request's headers and body to arrive", SettingKind::kInt, 1, 3600, {},
               [](AppConfig& c, const std::string&, int64_t v) { c.server.request_timeout = v; }});
  s.push_back({"drain_timeout", "Seconds in-flight requests get to finish after SIGTERM", SettingKind::kInt, 0, 3600,
               {}, [](AppConfig& c, const std::string&, int64_t v) { c.server.drain_timeout = v; }});
  s.push_back({"default_enable_thinking", "Think by default on models with <think> tags (a request can switch it)",
               SettingKind::kChoice, 0, 0, {"true", "false"},
               [](AppConfig& c, const std::string& v, int64_t) { c.server.default_enable_thinking = v == "true"; }});
  s.push_back({"reasoning_format", "Where reasoning goes: separate (reasoning_content) or inline (<think> in content)",
               SettingKind::kChoice, 0, 0, {"separate", "inline"},
               [](AppConfig& c, const std::string& v, int64_t) { c.server.reasoning_format = v; }});
  s.push_back({"max_thinking_tokens", "Default thinking budget: </think> is forced after this many (0: none)",
               SettingKind::kInt, 0, int64_t{1} << 24, {},
               [](AppConfig& c, const std::string&, int64_t v) { c.server.max_thinking_tokens = v; }});
  s.push_back({"model", "Model: a Hugging Face folder or a .gguf file (default: the bundled SmolLM2 GGUF)",
               SettingKind::kString, 0, 0, {},
               [](AppConfig& c, const std::string& v, int64_t) { c.engine.model = v; }});
  s.push_back({"max_model_len", "Context length in tokens (0: the model's own)", SettingKind::kInt, 0,
               int64_t{1} << 24, {},
               [](AppConfig& c, const std::string&, int64_t v) { c.scheduler.max_model_len = v; }});
  s.push_back({"dtype", "Weight type: auto (as stored) or converted at load from an F32/F16/BF16 checkpoint",
               SettingKind::kChoice, 0, 0, {"auto", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1"},
               [](AppConfig& c, const std::string& v, int64_t) { c.engine.dtype = v; }});
  s.push_back({"activation_precision",
               "Activations against quantized weights: int8 (integer kernels), f32 (transformers' numerics), or "
               "auto (int8 where the CPU has int8 tile kernels for the format, f32 elsewhere)",
               SettingKind::kChoice, 0, 0, {"auto", "int8", "f32"},
               [](AppConfig& c, const std::string& v, int64_t) { c.engine.activation_precision = v; }});
  s.push_back({"device", "Where the model runs: cpu, cuda, or auto (cuda when this build has CUDA and a GPU answers)",
               SettingKind::kChoice, 0, 0, {"auto", "cpu", "cuda"},
               [](AppConfig& c, const std::string& v, int64_t) { c.engine.device = v; }});
  s.push_back({"enforce_eager", "CUDA: run every step eagerly (no CUDA graphs for decode steps)",
               SettingKind::kChoice, 0, 0, {"true", "false"},
               [](AppConfig& c, const std::string& v, int64_t) { c.engine.enforce_eager = v == "true"; }});
  s.push_back({"threads", "CPU threads (0: the physical cores)", SettingKind::kInt, 0, 1024, {},
               [](AppConfig& c, const std::string&, int64_t v) { c.engine.num_threads = v; }});
  s.push_back({"max_num_batched_tokens", "Tokens per engine step; longer prompts are prefilled in chunks",
               SettingKind::kInt, 1, 1 << 20, {},
               [](AppConfig& c, const std::string&, int64_t v) { c.scheduler.max_num_batched_tokens = v; }});
  s.push_back({"max_num_seqs", "Sequences running at once (continuous batching)", SettingKind::kInt, 1, 4096, {},
               [](AppConfig& c, const std::string&, int64_t v) { c.scheduler.max_num_seqs = v; }});
  s.push_back({"kv_cache_memory", "Bytes of KV cache (0: a quarter of RAM, at most 4 GiB)", SettingKind::kInt, 0,
               int64_t{1} << 42, {},
               [](AppConfig& c, const std::string&, int64_t v) { c.cache.kv_cache_memory = v; }});
  s.push_back({"gpu_memory_utilization",
               "CUDA: fraction (0, 1] of the device memory free after the weights that the KV cache takes "
               "(unless kv_cache_memory or num_kv_blocks is set)",
               SettingKind::kFraction, 0, 0, {},
               [](AppConfig& c, const std::string& v, int64_t) { c.cache.gpu_memory_utilization = *parse_fraction(v); }});
  s.push_back({"num_kv_blocks", "KV cache blocks (overrides kv_cache_memory; 0: from the memory)", SettingKind::kInt,
               0, int64_t{1} << 30, {},
               [](AppConfig& c, const std::string&, int64_t v) { c.cache.num_kv_blocks = v; }});
  s.push_back({"enable_prefix_caching", "Reuse the KV cache of prompt prefixes seen before", SettingKind::kChoice, 0,
               0, {"true", "false"},
               [](AppConfig& c, const std::string& v, int64_t) { c.cache.enable_prefix_caching = v == "true"; }});
  s.push_back({"block_size", "Tokens per KV-cache block", SettingKind::kChoice, 0, 0, {"8", "16", "32", "64"},
               [](AppConfig& c, const std::string& v, int64_t) { c.cache.block_size = std::stoll(v); }});
  return s;
}

std::string json_to_raw(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump();   // numbers and booleans as written; objects/arrays fail parsing with a message
}

}  // namespace

std::string Setting::flag() const {
  std::string f = "--" + name;
  for (char& ch : f) if (ch == '_') ch = '-';
  return f;
}

std::string Setting::env_var() const {
  std::string e = "EDGESERVE_";
  for (char ch : name) e.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
  return e;
}

const std::vector<Setting>& all_settings() {
  static const std::vector<Setting> settings = make_settings();
  return settings;
}

const Setting* find_setting(const std::string& name) {
  for (const auto& s : all_settings())
    if (s.name == name) return &s;
  return nullptr;
}

void apply_setting(AppConfig& config, const Setting& setting, const std::string& raw, const std::string& origin) {
  auto bad = [&](const std::string& expected) {
    throw ConfigError("invalid value '" + raw + "' for setting " + setting.name + " (from " + origin +
                      "): expected " + expected);
  };
  int64_t number = 0;
  switch (setting.kind) {
    case SettingKind::kString:
      break;
    case SettingKind::kInt: {
      const char* end = raw.data() + raw.size();
      auto [ptr, ec] = std::from_chars(raw.data(), end, number);
      if (raw.empty() || ec != std::errc() || ptr != end || number < setting.min || number > setting.max)
        bad("an integer in [" + std::to_string(setting.min) + ", " + std::to_string(setting.max) + "]");
      break;
    }
    case SettingKind::kChoice: {
      bool ok = false;
      std::string list;
      for (const auto& c : setting.choices) {
        ok = ok || c == raw;
        list += (list.empty() ? "" : "|") + c;
      }
      if (!ok) bad("one of " + list);
      break;
    }
    case SettingKind::kFraction:
      if (!parse_fraction(raw)) bad("a number in (0, 1]");
      break;
  }
  setting.assign(config, raw, number);
}

AppConfig resolve_app_config(const SettingSources& sources,
                             const std::function<const char*(const char*)>& getenv_fn) {
  AppConfig config;
  // 1. the JSON file: every key must name a setting (a typo must not pass silently).
  std::optional<std::string> file = sources.config_file;
  if (!file) {
    if (const char* env = getenv_fn("EDGESERVE_CONFIG"); env != nullptr && *env != '\0') file = env;
  }
  if (file) {
    std::ifstream in(*file);
    if (!in) throw ConfigError(*file + ": cannot open config file");
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      throw ConfigError(*file + ": invalid JSON: " + e.what());
    }
    if (!j.is_object()) throw ConfigError(*file + ": config file must hold a JSON object");
    for (const auto& [key, value] : j.items()) {
      const Setting* s = find_setting(key);
      if (s == nullptr) throw ConfigError(*file + ": unknown setting '" + key + "'");
      apply_setting(config, *s, json_to_raw(value), "config file " + *file);
    }
  }
  // 2. the environment, 3. the command line.
  for (const auto& s : all_settings()) {
    const std::string env = s.env_var();
    if (const char* v = getenv_fn(env.c_str()); v != nullptr && *v != '\0') apply_setting(config, s, v, env);
  }
  for (const auto& [name, raw] : sources.cli) {
    const Setting* s = find_setting(name);
    if (s == nullptr) throw ConfigError("unknown setting '" + name + "'");
    apply_setting(config, *s, raw, s->flag());
  }
  return config;
}

}  // namespace edgeserve
