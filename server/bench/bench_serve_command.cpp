// `edgeserve bench serve`: options, validation and the run. Failed requests are counted, never fatal: the
// exit status reports whether the benchmark ran, not how the server did.
#include "server/bench/bench_serve_command.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "server/bench/metrics.h"
#include "server/bench/report.h"

namespace edgeserve {

void add_bench_serve_options(CLI::App& app, BenchServeOptions& options) {
  app.add_option("--base-url", options.base_url, "OpenAI-compatible API root, e.g. http://127.0.0.1:8000/v1")
      ->capture_default_str();
  app.add_option("--model", options.model, "Model name sent in requests (default: first of GET /models)");
  app.add_option("--endpoint", options.endpoint, "chat (/chat/completions) or completions (/completions)")
      ->check(CLI::IsMember({"chat", "completions"}))->capture_default_str();
  app.add_option("--concurrency,--max-concurrency", options.concurrency,
                 "Requests in flight (closed loop; with --request-rate: the cap, default 256)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--request-rate", options.request_rate, "Poisson arrivals per second (default: closed loop)")
      ->check(CLI::PositiveNumber);
  app.add_option("--num-prompts", options.num_prompts, "Requests to send (default 100; no limit with --duration)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  app.add_option("--input-len", options.input_len, "Prompt length in words (about tokens)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))->capture_default_str();
  app.add_option("--output-len", options.output_len, "max_tokens per request")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))->capture_default_str();
  app.add_option("--duration", options.duration_s, "Stop sending new requests after this many seconds")
      ->check(CLI::PositiveNumber);
  app.add_option("--api-key", options.api_key, "Bearer token (default: $OPENAI_API_KEY)");
  app.add_option("--seed", options.seed, "Seed of the prompts and arrival times")->capture_default_str();
  app.add_option("--temperature", options.temperature, "Sampling temperature")
      ->check(CLI::Range(0.0, 2.0))->capture_default_str();
  app.add_flag("!--no-ignore-eos", options.ignore_eos, "Let requests stop at EOS (default: ignore_eos true)");
  app.add_option("--timeout", options.timeout_s, "Per-request timeout in seconds")
      ->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--json", options.json_path, "Write all figures and per-request data to this JSON file");
  app.add_option("--goodput", options.goodput, "SLOs for goodput in ms, e.g. --goodput ttft:500 tpot:50 e2el:5000");
}

bench::GoodputSlo parse_goodput(const std::vector<std::string>& entries) {
  bench::GoodputSlo slo;
  for (const std::string& entry : entries) {
    const size_t colon = entry.find(':');
    const std::string name = entry.substr(0, colon);
    double value = -1.0;
    if (colon != std::string::npos) {
      try {
        size_t used = 0;
        value = std::stod(entry.substr(colon + 1), &used);
        if (used != entry.size() - colon - 1) value = -1.0;
      } catch (const std::exception&) {
        value = -1.0;
      }
    }
    if (!(value >= 0.0) || !std::isfinite(value)) {
      throw std::invalid_argument("--goodput '" + entry + "': expected NAME:MILLISECONDS with a value >= 0");
    }
    if (name == "ttft") {
      slo.ttft_ms = value;
    } else if (name == "tpot") {
      slo.tpot_ms = value;
    } else if (name == "e2el") {
      slo.e2el_ms = value;
    } else {
      throw std::invalid_argument("--goodput '" + entry + "': unknown metric '" + name + "' (ttft, tpot, e2el)");
    }
  }
  return slo;
}

bench::LoadConfig resolve_load_config(const BenchServeOptions& options) {
  bench::LoadConfig config;
  config.client.endpoint = bench::parse_base_url(options.base_url);
  config.client.api_key = options.api_key;
  if (!(options.timeout_s > 0.0) || !std::isfinite(options.timeout_s)) {
    throw std::invalid_argument("--timeout: must be a positive number of seconds");
  }
  config.client.timeout_s = options.timeout_s;
  if (options.endpoint == "chat") {
    config.request.endpoint = bench::EndpointKind::kChatCompletions;
  } else if (options.endpoint == "completions") {
    config.request.endpoint = bench::EndpointKind::kCompletions;
  } else {
    throw std::invalid_argument("--endpoint '" + options.endpoint + "': expected chat or completions");
  }
  config.request.model = options.model;
  if (options.output_len < 1) throw std::invalid_argument("--output-len: must be at least 1");
  if (options.input_len < 1) throw std::invalid_argument("--input-len: must be at least 1");
  config.request.max_tokens = options.output_len;
  config.request.temperature = options.temperature;
  config.request.ignore_eos = options.ignore_eos;
  config.input_len = options.input_len;
  if (options.request_rate < 0.0 || !std::isfinite(options.request_rate)) {
    throw std::invalid_argument("--request-rate: must be a positive, finite number of requests per second");
  }
  config.request_rate = options.request_rate;
  if (options.concurrency < 0 || options.concurrency > 1024) {
    throw std::invalid_argument("--concurrency: must be between 1 and 1024");
  }
  config.concurrency = options.concurrency > 0 ? options.concurrency : (options.request_rate > 0.0 ? 256 : 1);
  if (options.duration_s < 0.0 || !std::isfinite(options.duration_s)) {
    throw std::invalid_argument("--duration: must be a positive number of seconds");
  }
  config.duration_s = options.duration_s;
  if (options.num_prompts < 0) throw std::invalid_argument("--num-prompts: must be at least 1");
  config.num_prompts = options.num_prompts > 0 ? options.num_prompts : (options.duration_s > 0.0 ? 0 : 100);
  config.seed = options.seed;
  return config;
}

int run_bench_serve(const BenchServeOptions& options) {
  bench::LoadConfig config;
  bench::GoodputSlo slo;
  try {
    config = resolve_load_config(options);
    slo = parse_goodput(options.goodput);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "edgeserve bench serve: %s\n", e.what());
    return 2;
  }
  if (config.client.api_key.empty()) {
    if (const char* key = std::getenv("OPENAI_API_KEY"); key != nullptr) config.client.api_key = key;
  }
  if (config.request.model.empty()) {
    try {
      config.request.model = bench::fetch_first_model_id(config.client);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "edgeserve bench serve: %s\n", e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "bench serve: %s, model %s, %s requests, input %lld words, output %lld tokens\n",
               options.base_url.c_str(), config.request.model.c_str(),
               config.num_prompts > 0 ? std::to_string(config.num_prompts).c_str() : "unlimited",
               static_cast<long long>(config.input_len), static_cast<long long>(config.request.max_tokens));

  // Progress at most every 5 s, so long runs show life without flooding the terminal.
  auto last_progress = std::chrono::steady_clock::now();
  auto on_progress = [&](int64_t num_finished, int64_t num_failed) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_progress < std::chrono::seconds(5)) return;
    last_progress = now;
    std::fprintf(stderr, "bench serve: %lld finished (%lld failed)\n", static_cast<long long>(num_finished),
                 static_cast<long long>(num_failed));
  };
  bench::LoadResult result = bench::run_load(config, on_progress);
  bench::BenchMetrics metrics = bench::compute_metrics(result.outputs, result.duration_s, slo);
  std::cout << bench::format_report(metrics, config, slo) << std::flush;

  if (!options.json_path.empty()) {
    std::ofstream file(options.json_path);
    file << bench::report_json(metrics, config, result.outputs, slo).dump(2) << "\n";
    if (!file) {
      std::fprintf(stderr, "edgeserve bench serve: %s: cannot write the JSON report\n", options.json_path.c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace edgeserve
