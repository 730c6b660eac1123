#pragma once
// The engine's request-facing types: what a request asks for, why one is refused, what each step reports for
// it, and the counters the server exposes. Plain data, shared by LLMEngine (engine thread) and EngineLoop
// (the queues to the HTTP threads).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/sampler/sampler.h"
#include "engine/structured_output.h"
#include "engine/thinking_budget.h"
#include "scheduler/sampling_params.h"
#include "scheduler/scheduler.h"

namespace edgeserve {

struct EngineRequest {
  int64_t request_id = 0;
  std::vector<int32_t> prompt_token_ids;
  SamplingParams params;   // as the client sent them (resolved against the model's defaults on add)
  // When the request arrived (EngineLoop::submit sets it); the queue time runs from here to first scheduling.
  std::optional<std::chrono::steady_clock::time_point> arrival_time;
  // Reasoning cap (thinking_budget): </think> is forced after that many reasoning tokens.
  std::optional<ThinkingBudgetSpec> thinking_budget;
  // Constrained decoding (response_format, tool_choice required / named / auto).
  std::optional<StructuredOutputSpec> structured_output;
};

// A request the engine will not run: the OpenAI error's param, message and code (the server adds the status).
struct RequestRejection {
  std::string param;
  std::string message;
  std::string code;        // e.g. "context_length_exceeded"; empty when there is none
};

// One step's news for one request: a token (with logprobs when asked), and/or the end.
struct RequestOutput {
  int64_t request_id = 0;
  int32_t token_id = -1;                       // -1: no new token this step (the request finished or failed)
  sampler::SampleResult sample;                // logprobs of token_id when the request asked for them
  std::optional<FinishReason> finish_reason;   // set on the last output of a request
  std::string error;                           // finish_reason kError: what went wrong
  int64_t num_prompt_tokens = 0;
  int64_t num_cached_tokens = 0;               // prompt tokens the prefix cache served
  int64_t num_output_tokens = 0;               // so far, this token included
  double queue_seconds = 0;                    // from arrival to the first step that ran the request

  bool finished() const { return finish_reason.has_value(); }
};

// Counters and gauges for /metrics (vLLM's names are chosen by the server).
struct EngineStats {
  int64_t num_running = 0;
  int64_t num_waiting = 0;
  double kv_cache_usage = 0.0;                 // fraction of KV blocks referenced by a sequence
  int64_t num_kv_blocks = 0;
  int64_t block_size = 0;
  SchedulerCounters counters;
  int64_t num_steps = 0;
  double last_step_seconds = 0.0;
  double total_step_seconds = 0.0;
};

}  // namespace edgeserve
