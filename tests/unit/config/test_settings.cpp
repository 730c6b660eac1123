// AppConfig layering: exact values expected from each source and the documented precedence
// (CLI > env > file > defaults); every bad value names its setting and origin.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "config/settings.h"

using namespace edgeserve;

namespace {

struct FakeEnv {
  std::map<std::string, std::string> vars;
  std::function<const char*(const char*)> fn() {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

std::string write_temp(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("edgeserve_test_" + name);
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("settings: defaults when no source sets anything", "[config]") {
  FakeEnv env;
  AppConfig c = resolve_app_config({}, env.fn());
  CHECK(c.server.log_level == "info");
  CHECK(c.engine.model.empty());
  CHECK(c.scheduler.max_model_len == 0);
  CHECK(c.cache.block_size == 16);
}

TEST_CASE("settings: precedence is CLI > env > file > defaults", "[config]") {
  const std::string file = write_temp("prec.json", R"({"max_model_len": 100, "block_size": 32, "log_level": "debug"})");
  FakeEnv env;
  env.vars["EDGESERVE_MAX_MODEL_LEN"] = "200";
  env.vars["EDGESERVE_LOG_LEVEL"] = "warn";
  SettingSources sources;
  sources.config_file = file;
  sources.cli["max_model_len"] = "300";
  AppConfig c = resolve_app_config(sources, env.fn());
  CHECK(c.scheduler.max_model_len == 300);  // CLI beats env and file
  CHECK(c.server.log_level == "warn");      // env beats file
  CHECK(c.cache.block_size == 32);          // file beats default

  sources.cli.clear();
  c = resolve_app_config(sources, env.fn());
  CHECK(c.scheduler.max_model_len == 200);
  std::filesystem::remove(file);
}

TEST_CASE("settings: the config file may come from EDGESERVE_CONFIG", "[config]") {
  const std::string file = write_temp("envfile.json", R"({"model": "/models/qwen3"})");
  FakeEnv env;
  env.vars["EDGESERVE_CONFIG"] = file;
  CHECK(resolve_app_config({}, env.fn()).engine.model == "/models/qwen3");
  std::filesystem::remove(file);
}

TEST_CASE("settings: a bad value names the setting and its origin", "[config]") {
  FakeEnv env;
  SettingSources sources;
  sources.cli["max_model_len"] = "12abc";
  CHECK_THROWS_WITH(resolve_app_config(sources, env.fn()),
                    Catch::Contains("max_model_len") && Catch::Contains("--max-model-len") &&
                        Catch::Contains("integer"));
  sources.cli.clear();
  env.vars["EDGESERVE_LOG_LEVEL"] = "loud";
  CHECK_THROWS_WITH(resolve_app_config(sources, env.fn()),
                    Catch::Contains("log_level") && Catch::Contains("EDGESERVE_LOG_LEVEL") &&
                        Catch::Contains("trace|debug"));
  env.vars.clear();
  env.vars["EDGESERVE_MAX_MODEL_LEN"] = "-5";
  CHECK_THROWS_WITH(resolve_app_config(sources, env.fn()), Catch::Contains("max_model_len"));
}

TEST_CASE("settings: file faults are reported with the file name", "[config]") {
  FakeEnv env;
  SettingSources sources;
  sources.config_file = write_temp("bad.json", "{not json");
  CHECK_THROWS_WITH(resolve_app_config(sources, env.fn()), Catch::Contains("bad.json") && Catch::Contains("invalid JSON"));
  sources.config_file = write_temp("typo.json", R"({"max_modle_len": 5})");
  CHECK_THROWS_WITH(resolve_app_config(sources, env.fn()), Catch::Contains("unknown setting 'max_modle_len'"));
  sources.config_file = write_temp("type.json", R"({"block_size": 12})");
  CHECK_THROWS_WITH(resolve_app_config(sources, env.fn()),
                    Catch::Contains("block_size") && Catch::Contains("type.json"));
  sources.config_file = "/nonexistent/edgeserve.json";
  CHECK_THROWS_WITH(resolve_app_config(sources, env.fn()), Catch::Contains("cannot open"));
}

TEST_CASE("settings: flag and env names derive from the setting name", "[config]") {
  const Setting* s = find_setting("max_model_len");
  REQUIRE(s != nullptr);
  CHECK(s->flag() == "--max-model-len");
  CHECK(s->env_var() == "EDGESERVE_MAX_MODEL_LEN");
  CHECK(find_setting("nope") == nullptr);
}

TEST_CASE("settings: device and gpu_memory_utilization, defaults and sources", "[config]") {
  FakeEnv env;
  AppConfig c = resolve_app_config({}, env.fn());
  CHECK(c.engine.device == "auto");
  CHECK(c.cache.gpu_memory_utilization == 0.9);

  const std::string file = write_temp("gpu.json", R"({"gpu_memory_utilization": 0.5, "device": "cuda"})");
  SettingSources sources;
  sources.config_file = file;
  c = resolve_app_config(sources, env.fn());
  CHECK(c.engine.device == "cuda");
  CHECK(c.cache.gpu_memory_utilization == 0.5);   // a JSON number

  env.vars["EDGESERVE_GPU_MEMORY_UTILIZATION"] = "0.75";
  sources.cli["device"] = "cpu";
  c = resolve_app_config(sources, env.fn());
  CHECK(c.engine.device == "cpu");
  CHECK(c.cache.gpu_memory_utilization == 0.75);
  sources.cli["gpu_memory_utilization"] = "1";
  CHECK(resolve_app_config(sources, env.fn()).cache.gpu_memory_utilization == 1.0);
  std::filesystem::remove(file);
  CHECK(find_setting("gpu_memory_utilization")->flag() == "--gpu-memory-utilization");
}

TEST_CASE("settings: gpu_memory_utilization out of range and unknown devices are rejected", "[config]") {
  FakeEnv env;
  for (const char* bad : {"0", "-0.5", "1.01", "2", "0.9x", "", "nan", "inf", " 0.5"}) {
    SettingSources sources;
    sources.cli["gpu_memory_utilization"] = bad;
    CHECK_THROWS_WITH(resolve_app_config(sources, env.fn()),
                      Catch::Contains("gpu_memory_utilization") && Catch::Contains("--gpu-memory-utilization") &&
                          Catch::Contains("a number in (0, 1]"));
  }
  SettingSources sources;
  sources.cli["device"] = "gpu";
  CHECK_THROWS_WITH(resolve_app_config(sources, env.fn()),
                    Catch::Contains("device") && Catch::Contains("auto|cpu|cuda"));
}

TEST_CASE("settings: enforce_eager defaults to false and takes true/false from every source", "[config]") {
  // Reference: the documented default (README settings table) and the choice list "true"/"false".
  FakeEnv env;
  CHECK_FALSE(resolve_app_config({}, env.fn()).engine.enforce_eager);
  const Setting* s = find_setting("enforce_eager");
  REQUIRE(s != nullptr);
  CHECK(s->flag() == "--enforce-eager");
  CHECK(s->env_var() == "EDGESERVE_ENFORCE_EAGER");
  const std::string file = write_temp("eager.json", R"({"enforce_eager": true})");
  SettingSources sources;
  sources.config_file = file;
  CHECK(resolve_app_config(sources, env.fn()).engine.enforce_eager);   // a JSON boolean
  env.vars["EDGESERVE_ENFORCE_EAGER"] = "false";
  CHECK_FALSE(resolve_app_config(sources, env.fn()).engine.enforce_eager);
  sources.cli["enforce_eager"] = "true";
  CHECK(resolve_app_config(sources, env.fn()).engine.enforce_eager);
  sources.cli["enforce_eager"] = "yes";
  CHECK_THROWS_WITH(resolve_app_config(sources, env.fn()),
                    Catch::Contains("enforce_eager") && Catch::Contains("--enforce-eager") &&
                        Catch::Contains("true|false"));
  std::filesystem::remove(file);
}
