#include "server/metrics.h"

#include <cstdio>

namespace edgeserve {

namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void line(std::string& out, const std::string& name, const std::string& labels, double value) {
  out += name + "{" + labels + "} " + number(value) + "\n";
}

void header(std::string& out, const std::string& name, const char* type, const char* help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  counts_[i] += 1;
  sum_ += value;
  count_ += 1;
}

void Histogram::render(const std::string& name, const std::string& labels, std::string& out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += name + "_bucket{" + labels + ",le=\"" + number(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name + "_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(count_) + "\n";
  out += name + "_sum{" + labels + "} " + number(sum_) + "\n";
  out += name + "_count{" + labels + "} " + std::to_string(count_) + "\n";
}

Metrics::Metrics(std::string model_name)
    : model_name_(std::move(model_name)),
      // vLLM's bucket bounds for each histogram.
      ttft_({0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
             80.0, 160.0, 640.0, 2560.0}),
      itl_({0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0}),
      e2e_({0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0,
            960.0, 1920.0, 7680.0}),
      queue_({0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0,
              960.0, 1920.0, 7680.0}) {}

void Metrics::observe_time_to_first_token(double s) {
  std::lock_guard lock(mutex_);
  ttft_.observe(s);
}
void Metrics::observe_inter_token_latency(double s) {
  std::lock_guard lock(mutex_);
  itl_.observe(s);
}
void Metrics::observe_e2e_latency(double s) {
  std::lock_guard lock(mutex_);
  e2e_.observe(s);
}
void Metrics::observe_queue_time(double s) {
  std::lock_guard lock(mutex_);
  queue_.observe(s);
}
void Metrics::count_finished(const std::string& reason) {
  std::lock_guard lock(mutex_);
  finished_[reason] += 1;
}

std::string Metrics::render(const EngineStats& s) const {
  const std::string labels = "model_name=\"" + model_name_ + "\"";
  std::string out;
  header(out, "vllm:num_requests_running", "gauge", "Sequences running in the engine.");
  line(out, "vllm:num_requests_running", labels, static_cast<double>(s.num_running));
  header(out, "vllm:num_requests_waiting", "gauge", "Sequences waiting to be scheduled.");
  line(out, "vllm:num_requests_waiting", labels, static_cast<double>(s.num_waiting));
  header(out, "vllm:kv_cache_usage_perc", "gauge", "Fraction of KV-cache blocks in use (0 to 1).");
  line(out, "vllm:kv_cache_usage_perc", labels, s.kv_cache_usage);
  header(out, "vllm:num_preemptions_total", "counter", "Preemptions (blocks taken back, recomputed later).");
  line(out, "vllm:num_preemptions_total", labels, static_cast<double>(s.counters.num_preemptions));
  header(out, "vllm:prompt_tokens_total", "counter", "Prompt tokens of admitted requests.");
  line(out, "vllm:prompt_tokens_total", labels, static_cast<double>(s.counters.prompt_tokens));
  header(out, "vllm:generation_tokens_total", "counter", "Generated tokens.");
  line(out, "vllm:generation_tokens_total", labels, static_cast<double>(s.counters.generation_tokens));
  header(out, "vllm:prefix_cache_queries_total", "counter", "Prompt tokens looked up in the prefix cache.");
  line(out, "vllm:prefix_cache_queries_total", labels, static_cast<double>(s.counters.prefix_cache_queries));
  header(out, "vllm:prefix_cache_hits_total", "counter", "Prompt tokens found in the prefix cache.");
  line(out, "vllm:prefix_cache_hits_total", labels, static_cast<double>(s.counters.prefix_cache_hits));
  header(out, "edgeserve:prompt_tokens_computed_total", "counter", "Prompt tokens run through the model.");
  line(out, "edgeserve:prompt_tokens_computed_total", labels, static_cast<double>(s.counters.prompt_tokens_computed));
  header(out, "edgeserve:engine_steps_total", "counter", "Engine steps.");
  line(out, "edgeserve:engine_steps_total", labels, static_cast<double>(s.num_steps));
  header(out, "edgeserve:kv_cache_blocks", "gauge", "KV-cache blocks.");
  line(out, "edgeserve:kv_cache_blocks", labels, static_cast<double>(s.num_kv_blocks));
  std::lock_guard lock(mutex_);
  header(out, "vllm:request_success_total", "counter", "Finished requests by finish reason.");
  for (const char* reason : {"stop", "length", "abort", "error"}) {
    const auto it = finished_.find(reason);
    line(out, "vllm:request_success_total", labels + ",finished_reason=\"" + reason + "\"",
         it == finished_.end() ? 0.0 : static_cast<double>(it->second));
  }
  header(out, "vllm:time_to_first_token_seconds", "histogram", "Time to first token.");
  ttft_.render("vllm:time_to_first_token_seconds", labels, out);
  header(out, "vllm:inter_token_latency_seconds", "histogram", "Time between tokens.");
  itl_.render("vllm:inter_token_latency_seconds", labels, out);
  header(out, "vllm:e2e_request_latency_seconds", "histogram", "Request latency end to end.");
  e2e_.render("vllm:e2e_request_latency_seconds", labels, out);
  header(out, "vllm:request_queue_time_seconds", "histogram", "Time from arrival to first scheduling.");
  queue_.render("vllm:request_queue_time_seconds", labels, out);
  return out;
}

}  // namespace edgeserve
