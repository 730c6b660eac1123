#pragma once
// Metrics: the Prometheus text exposition of /metrics with vLLM's metric names (OPENAI_COMPAT.md "Metrics"),
// so dashboards and routers built for vLLM work. Engine gauges and counters come from EngineStats (copied by
// the engine thread after each step); request histograms and finish counts are observed by the HTTP threads.
// Thread-safe.
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/engine_types.h"

namespace edgeserve {

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  // Appends the _bucket, _sum and _count lines of `name` with label `labels` ("model_name=\"x\"").
  void render(const std::string& name, const std::string& labels, std::string& out) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;   // per bucket (not cumulative); the last one is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  explicit Metrics(std::string model_name);

  void observe_time_to_first_token(double seconds);
  void observe_inter_token_latency(double seconds);
  void observe_e2e_latency(double seconds);
  void observe_queue_time(double seconds);
  void count_finished(const std::string& finished_reason);   // stop, length, abort, error

  // The exposition text for the engine's current stats.
  std::string render(const EngineStats& stats) const;

 private:
  std::string model_name_;
  mutable std::mutex mutex_;
  Histogram ttft_, itl_, e2e_, queue_;
  std::map<std::string, uint64_t> finished_;
};

}  // namespace edgeserve
