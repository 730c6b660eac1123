#pragma once
// How `bench serve` shows its figures: the human-readable table (laid out like vLLM's "Serving Benchmark
// Result") and the JSON document written by --json (every aggregate plus the per-request lengths and
// latencies). It owns formatting only; it must not compute metrics (metrics.h) or touch the network.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/bench/load_runner.h"
#include "server/bench/metrics.h"

namespace edgeserve::bench {

// The goodput lines appear only when slo.is_set().
std::string format_report(const BenchMetrics& metrics, const LoadConfig& config, const GoodputSlo& slo = {});

nlohmann::json report_json(const BenchMetrics& metrics, const LoadConfig& config,
                           const std::vector<RequestOutput>& outputs, const GoodputSlo& slo = {});

}  // namespace edgeserve::bench
