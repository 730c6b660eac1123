#pragma once
// ServingContext: what the HTTP handlers share once the model is loaded -- the model's tokenizer and prompt
// builder, the engine thread's loop, metrics and the serving limits -- plus the admission count. Built by
// `edgeserve serve`; handlers only read it (the atomics and the loop/metrics are thread-safe).
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine_loop.h"
#include "engine/tokenizer/tokenizer.h"
#include "server/metrics.h"
#include "engine/structured/token_index.h"
#include "server/parsers/reasoning_parser.h"
#include "server/parsers/tool_call_parser.h"
#include "server/prompt_builder.h"

namespace edgeserve {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string served_model_name;              // empty: the model file or folder name
  std::vector<std::string> api_keys;          // empty: no authentication
  std::vector<std::string> allowed_origins;   // CORS; "*" allows any
  int64_t max_queued = 128;                   // choices admitted beyond max_num_seqs; more get 429
  int64_t max_n = 8;                          // the largest n a request may ask for
  int64_t max_body_bytes = 4 << 20;           // larger bodies get 413 before they are read
  int read_timeout_seconds = 30;              // headers and body must arrive within this
  int drain_timeout_seconds = 30;             // SIGTERM: in-flight requests get this long to finish
  bool default_enable_thinking = true;        // models with <think>: thinking unless the request says otherwise
  bool reasoning_format_inline = false;       // <think>...</think> inside content instead of reasoning_content
  int64_t max_thinking_tokens = 0;            // default thinking budget; 0: none
};

struct ServingContext {
  const ServeOptions& options;
  std::string model_name;
  int64_t created = 0;                        // unix seconds when the model was loaded
  const Tokenizer& tokenizer;
  PromptBuilder prompts;
  EngineLoop& loop;
  Metrics& metrics;
  int64_t max_model_len = 0;
  int64_t vocab_size = 0;
  int64_t max_admitted = 0;                   // choices in flight at most: max_num_seqs + max_queued
  std::optional<ReasoningTokens> reasoning;   // the vocabulary's <think> / </think>, if it has them
  int32_t newline_token = -1;
  ToolCallFormat tool_call_format = ToolCallFormat::kHermes;   // from the chat template
  std::shared_ptr<const structured::TokenIndex> token_index;   // the vocabulary trie for grammar masks
  std::vector<int32_t> eos_token_ids;         // the model's stop ids                 // "\n", forced before </think> when a thinking budget runs out
  std::string device;                         // where the model runs: "cpu" or "cuda" (/version)
  std::string backend_name;                   // Backend::name(), e.g. "cuda(NVIDIA L4, sm_89, device 0)"
  std::atomic<int64_t> admitted{0};           // choices in flight now

  // Reserves `n` admission slots; false (nothing reserved) when the queue is full.
  bool try_admit(int64_t n) {
    int64_t current = admitted.load();
    while (current + n <= max_admitted)
      if (admitted.compare_exchange_weak(current, current + n)) return true;
    return false;
  }
  void release(int64_t n) { admitted.fetch_sub(n); }
};

}  // namespace edgeserve
