#pragma once
// GenerationSession: one HTTP request's n choices in flight, seen from an HTTP thread. Submits one engine
// request per choice, turns each choice's token outputs into text deltas (incremental detokenizer, then stop
// strings: nothing is released that might still be the start of one), collects logprobs, usage and request
// metrics, and aborts whatever is still running when the client leaves or the session ends.
// Used by one thread at a time (the handler that owns it).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine_loop.h"
#include "server/metrics.h"
#include "server/parsers/reasoning_parser.h"
#include "server/response_builder.h"
#include "server/stop_string_matcher.h"

namespace edgeserve {

struct GenerationRequest {
  std::vector<int32_t> prompt_token_ids;
  SamplingParams params;
  std::vector<std::string> stop;             // applied to the content (never to the reasoning)
  int64_t n = 1;
  std::optional<ReasoningTokens> reasoning;  // split <think> blocks off the content (models that have them)
  std::optional<ThinkingBudgetSpec> thinking_budget;
  std::optional<StructuredOutputSpec> structured_output;   // each choice gets its own matcher
};

// News for one choice from one poll().
struct ChoiceDelta {
  int64_t index = 0;
  bool first = false;                      // the choice's first news: send the role
  std::string text;                        // content; may be empty
  std::string reasoning;                   // reasoning text (think block); may be empty
  nlohmann::json logprobs = nlohmann::json::array();   // chat logprob entries of the tokens behind `text`
  std::optional<std::string> finish_reason;            // "stop" or "length" on the choice's last delta
};

class GenerationSession {
 public:
  GenerationSession(EngineLoop& loop, const Tokenizer& tokenizer, Metrics& metrics);
  ~GenerationSession();   // aborts unfinished choices
  GenerationSession(const GenerationSession&) = delete;
  GenerationSession& operator=(const GenerationSession&) = delete;

  // Submits the choices. A rejection (prompt too long, bad parameter) means nothing was submitted.
  std::optional<RequestRejection> start(GenerationRequest request);

  // Waits up to `timeout` for news; returns the deltas ready now (possibly none).
  std::vector<ChoiceDelta> poll(std::chrono::milliseconds timeout);

  bool finished() const;
  // An engine failure ended a choice: the message (the response becomes an error).
  const std::optional<std::string>& error() const { return error_; }
  // The client left: abort every unfinished choice (their KV blocks are freed on the next engine turn).
  void abort();
  UsageCounts usage() const;
  // Whether choice `index` produced a think block (then empty content is reported as null).
  bool saw_reasoning(int64_t index) const { return choices_[static_cast<size_t>(index)].parser->saw_reasoning(); }

 private:
  struct Choice {
    std::shared_ptr<RequestStream> stream;
    std::unique_ptr<ReasoningParser> parser;
    std::unique_ptr<StopStringMatcher> stops;
    bool seen = false;
    bool finished = false;
    int64_t num_output_tokens = 0;
    nlohmann::json pending_logprobs = nlohmann::json::array();
    std::chrono::steady_clock::time_point last_token_time;
  };
  void process(Choice& choice, int64_t index, const RequestOutput& output, std::vector<ChoiceDelta>& deltas);

  EngineLoop& loop_;
  const Tokenizer& tokenizer_;
  Metrics& metrics_;
  std::shared_ptr<StreamNotifier> notifier_ = std::make_shared<StreamNotifier>();
  std::vector<Choice> choices_;
  bool want_logprobs_ = false;
  std::vector<int32_t> stop_token_ids_;
  int64_t num_prompt_tokens_ = 0;
  int64_t num_cached_tokens_ = 0;
  std::optional<std::string> error_;
  std::chrono::steady_clock::time_point start_time_;
  std::vector<RequestOutput> scratch_;
};

}  // namespace edgeserve
