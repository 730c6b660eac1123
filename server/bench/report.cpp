// Table and JSON for bench serve: see report.h. JSON keys follow vLLM's result file (mean_ttft_ms,
// p99_tpot_ms, output_throughput, ...) so existing plotting scripts read ours too.
#include "server/bench/report.h"

#include <cstdio>
#include <string_view>

namespace edgeserve::bench {
namespace {

void add_line(std::string& out, std::string_view label, const std::string& value) {
  char line[160];
  std::snprintf(line, sizeof(line), "%-40.40s %s\n", std::string(label).c_str(), value.c_str());
  out += line;
}

std::string fixed(double value, int digits = 2) {
  char text[64];
  std::snprintf(text, sizeof(text), "%.*f", digits, value);
  return text;
}

void add_title(std::string& out, std::string_view title, char fill) {
  const size_t width = 50;
  const size_t side = title.size() + 2 <= width ? (width - title.size()) / 2 : 0;
  std::string line(side, fill);
  line += title;
  line.append(width - std::min(width, line.size()), fill);
  out += line + "\n";
}

void add_latency(std::string& out, std::string_view title, std::string_view name, const LatencyStats& stats) {
  add_title(out, title, '-');
  const std::string n(name);
  add_line(out, "Mean " + n + " (ms):", fixed(stats.mean_ms));
  add_line(out, "Median " + n + " (ms):", fixed(stats.median_ms));
  add_line(out, "P90 " + n + " (ms):", fixed(stats.p90_ms));
  add_line(out, "P99 " + n + " (ms):", fixed(stats.p99_ms));
}

void put_latency(nlohmann::json& json, const std::string& name, const LatencyStats& stats) {
  json["mean_" + name + "_ms"] = stats.mean_ms;
  json["median_" + name + "_ms"] = stats.median_ms;
  json["std_" + name + "_ms"] = stats.std_ms;
  json["p50_" + name + "_ms"] = stats.median_ms;
  json["p90_" + name + "_ms"] = stats.p90_ms;
  json["p99_" + name + "_ms"] = stats.p99_ms;
  json["min_" + name + "_ms"] = stats.min_ms;
  json["max_" + name + "_ms"] = stats.max_ms;
  json["num_" + name + "_samples"] = stats.count;
}

}  // namespace

std::string format_report(const BenchMetrics& metrics, const LoadConfig& config, const GoodputSlo& slo) {
  std::string out;
  add_title(out, " Serving Benchmark Result ", '=');
  add_line(out, "Endpoint:", config.client.endpoint.origin + config.client.endpoint.path_prefix +
                                 (config.request.endpoint == EndpointKind::kChatCompletions ? "/chat/completions"
                                                                                            : "/completions"));
  add_line(out, "Model:", config.request.model);
  add_line(out, "Traffic:", config.request_rate > 0.0
                                ? "Poisson " + fixed(config.request_rate) + " req/s, max " +
                                      std::to_string(config.concurrency) + " in flight"
                                : "closed loop, concurrency " + std::to_string(config.concurrency));
  add_line(out, "Successful requests:", std::to_string(metrics.completed));
  add_line(out, "Failed requests:", std::to_string(metrics.failed));
  for (const auto& [kind, count] : metrics.errors_by_kind) {
    add_line(out, "  " + kind + ":", std::to_string(count) + "  (first: " + metrics.first_error_message.at(kind) + ")");
  }
  add_line(out, "Benchmark duration (s):", fixed(metrics.duration_s));
  add_line(out, "Total input tokens:", std::to_string(metrics.total_input_tokens));
  add_line(out, "Total generated tokens:", std::to_string(metrics.total_output_tokens));
  add_line(out, "Mean input tokens:", fixed(metrics.mean_input_tokens, 1));
  add_line(out, "Mean output tokens:", fixed(metrics.mean_output_tokens, 1));
  if (metrics.num_without_usage > 0) {
    add_line(out, "Requests without usage (lengths estimated):", std::to_string(metrics.num_without_usage));
  }
  add_line(out, "Request throughput (req/s):", fixed(metrics.request_throughput));
  if (slo.is_set()) {
    add_line(out, "Request goodput (req/s):", fixed(metrics.request_goodput));
    add_line(out, "Requests within SLO:", std::to_string(metrics.good_completed));
  }
  add_line(out, "Output token throughput (tok/s):", fixed(metrics.output_throughput));
  add_line(out, "Total token throughput (tok/s):", fixed(metrics.total_token_throughput));
  add_latency(out, "Time to First Token", "TTFT", metrics.ttft);
  add_latency(out, "Time per Output Token (excl. 1st token)", "TPOT", metrics.tpot);
  add_latency(out, "Inter-token Latency", "ITL", metrics.itl);
  add_latency(out, "End-to-end Latency", "E2EL", metrics.e2el);
  out += std::string(50, '=') + "\n";
  return out;
}

nlohmann::json report_json(const BenchMetrics& metrics, const LoadConfig& config,
                           const std::vector<RequestOutput>& outputs, const GoodputSlo& slo) {
  nlohmann::json json;
  json["base_url"] = config.client.endpoint.origin + config.client.endpoint.path_prefix;
  json["endpoint"] = config.request.endpoint == EndpointKind::kChatCompletions ? "chat" : "completions";
  json["model_id"] = config.request.model;
  json["max_concurrency"] = config.concurrency;
  json["request_rate"] = config.request_rate > 0.0 ? nlohmann::json(config.request_rate) : nlohmann::json("inf");
  json["num_prompts"] = config.num_prompts;
  json["duration_limit_s"] = config.duration_s;
  json["input_len"] = config.input_len;
  json["output_len"] = config.request.max_tokens;
  json["seed"] = config.seed;
  json["duration"] = metrics.duration_s;
  json["num_requests"] = metrics.num_requests;
  json["completed"] = metrics.completed;
  json["failed"] = metrics.failed;
  json["errors_by_kind"] = metrics.errors_by_kind;
  json["first_error_message"] = metrics.first_error_message;
  json["total_input_tokens"] = metrics.total_input_tokens;
  json["total_output_tokens"] = metrics.total_output_tokens;
  json["mean_input_tokens"] = metrics.mean_input_tokens;
  json["mean_output_tokens"] = metrics.mean_output_tokens;
  json["num_without_usage"] = metrics.num_without_usage;
  json["request_throughput"] = metrics.request_throughput;
  json["output_throughput"] = metrics.output_throughput;
  json["total_token_throughput"] = metrics.total_token_throughput;
  if (slo.is_set()) {
    nlohmann::json slo_json = nlohmann::json::object();
    if (slo.ttft_ms) slo_json["ttft"] = *slo.ttft_ms;
    if (slo.tpot_ms) slo_json["tpot"] = *slo.tpot_ms;
    if (slo.e2el_ms) slo_json["e2el"] = *slo.e2el_ms;
    json["goodput_slo_ms"] = std::move(slo_json);
    json["good_completed"] = metrics.good_completed;
    json["request_goodput"] = metrics.request_goodput;
  }
  put_latency(json, "ttft", metrics.ttft);
  put_latency(json, "tpot", metrics.tpot);
  put_latency(json, "itl", metrics.itl);
  put_latency(json, "e2el", metrics.e2el);
  // Per request, in index order (failed requests included, with zeros for their times).
  nlohmann::json input_lens = nlohmann::json::array(), output_lens = nlohmann::json::array();
  nlohmann::json ttfts = nlohmann::json::array(), e2els = nlohmann::json::array();
  nlohmann::json send_offsets = nlohmann::json::array(), itls = nlohmann::json::array();
  nlohmann::json errors = nlohmann::json::array();
  for (const RequestOutput& out : outputs) {
    input_lens.push_back(out.success ? out.input_tokens() : 0);
    output_lens.push_back(out.success ? out.output_tokens() : 0);
    ttfts.push_back(out.success ? out.ttft_s : 0.0);
    e2els.push_back(out.success ? out.e2el_s : 0.0);
    send_offsets.push_back(out.send_offset_s);
    itls.push_back(out.success ? out.itl_s : std::vector<double>{});
    errors.push_back(out.success ? std::string() : out.error_kind + ": " + out.error_message);
  }
  json["input_lens"] = std::move(input_lens);
  json["output_lens"] = std::move(output_lens);
  json["ttfts"] = std::move(ttfts);
  json["e2els"] = std::move(e2els);
  json["send_offsets"] = std::move(send_offsets);
  json["itls"] = std::move(itls);
  json["errors"] = std::move(errors);
  return json;
}

}  // namespace edgeserve::bench
