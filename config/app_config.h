#pragma once
// AppConfig: every run-time setting, grouped as the layers that read them. Built once at start-up from
// defaults < JSON file (--config) < EDGESERVE_* environment variables < command line, validated, and
// read-only afterwards. The settings table (config/settings.cpp) is the one place a setting is declared:
// its CLI flag, env variable, JSON key, kind, default and range all come from there.
#include <cstdint>
#include <string>
#include <vector>

namespace edgeserve {

struct ServerConfig {
  std::string log_level = "info";   // trace|debug|info|warn|error|off
  std::string host = "127.0.0.1";
  int64_t port = 8000;
  std::string served_model_name;    // empty: the model's file or folder name
  std::string api_key;              // comma-separated keys; empty: no authentication
  std::string allowed_origins;      // comma-separated CORS origins ("*": any); empty: no CORS headers
  int64_t max_queued = 128;         // choices admitted beyond max_num_seqs before 429
  int64_t max_n = 8;                // largest n per request
  int64_t max_request_bytes = 4 << 20;   // request body limit (413 beyond)
  int64_t request_timeout = 30;     // seconds for a request's headers and body to arrive
  int64_t drain_timeout = 30;       // seconds in-flight requests get after SIGTERM
  bool default_enable_thinking = true;   // models with <think>: think unless the request switches it off
  std::string reasoning_format = "separate";   // separate (reasoning_content) | inline (<think> in content)
  int64_t max_thinking_tokens = 0;  // default thinking budget in tokens; 0: none
};

struct EngineConfig {
  std::string model;                 // HF folder or .gguf file; empty means the bundled default model
  int64_t num_threads = 0;           // CPU threads; 0: the physical cores
  std::string dtype = "auto";        // weights: auto (as in the file) or converted at load (q8_0, q4_0, bf16, ...)
  std::string activation_precision = "auto";   // quantized weights: auto | int8 | f32 activations
  std::string device = "auto";       // cpu | cuda | auto (cuda when built with CUDA and a GPU answers)
  bool enforce_eager = false;        // CUDA: every step eager, no CUDA graphs for decode steps
};

struct SchedulerConfig {
  int64_t max_model_len = 0;         // 0: the model's own context length
  int64_t max_num_batched_tokens = 512;  // tokens per step (a longer prompt is prefilled in chunks)
  int64_t max_num_seqs = 64;         // sequences running at once
};

struct CacheConfig {
  int64_t block_size = 16;           // tokens per KV block
  int64_t kv_cache_memory = 0;       // bytes for K/V; 0: a quarter of RAM, at most 4 GiB
  int64_t num_kv_blocks = 0;         // overrides kv_cache_memory when > 0
  double gpu_memory_utilization = 0.9;   // CUDA: KV cache = this fraction of the memory free after the weights
  bool enable_prefix_caching = true; // reuse the KV of cached prompt prefixes
};

struct AppConfig {
  ServerConfig server;
  EngineConfig engine;
  SchedulerConfig scheduler;
  CacheConfig cache;
};

}  // namespace edgeserve
