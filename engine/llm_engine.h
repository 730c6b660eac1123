#pragma once
// LLMEngine: the synchronous engine. add_request() queues a sequence; step() runs one iteration --
// schedule, prepare, forward, sample, update (ARCHITECTURE steps 4-9) -- and returns each request's news.
// Owns the Scheduler, the ModelRunner (decoder + KV cache), the Sampler and each request's sampling state.
// Engine thread only, except validate() which reads nothing that changes.
#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "engine/engine_types.h"
#include "engine/model_runner.h"
#include "engine/sampler/sampler.h"
#include "scheduler/scheduler.h"

namespace edgeserve {

struct EngineOptions {
  int64_t max_model_len = 0;             // 0: the model's max_position_embeddings
  int64_t max_num_seqs = 64;
  int64_t max_num_batched_tokens = 512;
  int64_t block_size = 16;
  int64_t num_kv_blocks = 0;             // 0: from kv_cache_memory
  int64_t kv_cache_memory = 0;           // bytes; 0: default_kv_cache_memory(physical RAM)
  bool enable_prefix_caching = true;
  DType kv_dtype = DType::F16;
  bool enforce_eager = false;            // no step graphs (CUDA graphs) for decode steps
};

class LLMEngine {
 public:
  // Sizes the KV cache and prepares the weights. Throws std::invalid_argument when the options cannot work
  // (a KV budget below one sequence's worth of blocks, ...). `eos_token_ids`: stop ids unless ignore_eos.
  LLMEngine(const ModelConfig& config, const ModelWeights& weights, Backend& backend, EngineOptions options,
            std::vector<int32_t> eos_token_ids);

  // Why the request cannot run (empty or too-long prompt, a bad sampling parameter), or nothing.
  std::optional<RequestRejection> validate(const EngineRequest& request) const;
  // Queues a request. Precondition: validate() accepted it; request_id is new.
  void add_request(EngineRequest request);
  // Ends a waiting or running request and frees its blocks. False when it is not live.
  bool abort_request(int64_t request_id);

  // One iteration. Returns one output per request that produced a token or finished (a prefill chunk that
  // does not reach the end of its prompt produces nothing). Empty when there is nothing to run.
  std::vector<RequestOutput> step();

  bool has_unfinished_requests() const { return scheduler_.has_unfinished(); }
  EngineStats stats() const;
  int64_t max_model_len() const { return max_model_len_; }
  int64_t num_kv_blocks() const { return num_kv_blocks_; }
  const Scheduler& scheduler() const { return scheduler_; }

 private:
  struct RequestState {
    sampler::SequenceSamplingState sampling;
    int64_t num_prompt_tokens;
    std::chrono::steady_clock::time_point arrival_time;
    double queue_seconds = -1;   // set when first scheduled
    std::optional<ThinkingBudget> thinking_budget;
    std::optional<StructuredOutput> structured_output;
  };

  const ModelConfig& config_;
  EngineOptions options_;
  std::vector<int32_t> eos_token_ids_;
  int64_t num_kv_blocks_;
  int64_t max_model_len_;   // the smaller of the context length and what the KV cache can hold
  Scheduler scheduler_;
  ModelRunner runner_;
  sampler::Sampler sampler_;
  ForwardBatch batch_;
  sampler::TokenBitmask allowed_;   // [vocab] one sampling row's grammar mask (filled just before it samples)
  std::vector<int32_t> sampled_;
  std::unordered_map<int64_t, RequestState> requests_;
  int64_t num_steps_ = 0;
  double last_step_seconds_ = 0.0;
  double total_step_seconds_ = 0.0;
};

}  // namespace edgeserve
