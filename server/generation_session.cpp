#include "server/generation_session.h"

#include <algorithm>

namespace edgeserve {

GenerationSession::GenerationSession(EngineLoop& loop, const Tokenizer& tokenizer, Metrics& metrics)
    : loop_(loop), tokenizer_(tokenizer), metrics_(metrics) {}

GenerationSession::~GenerationSession() { abort(); }

std::optional<RequestRejection> GenerationSession::start(GenerationRequest request) {
  start_time_ = std::chrono::steady_clock::now();
  want_logprobs_ = request.params.logprobs;
  num_prompt_tokens_ = static_cast<int64_t>(request.prompt_token_ids.size());
  choices_.resize(static_cast<size_t>(request.n));
  for (int64_t i = 0; i < request.n; ++i) {
    EngineRequest r{0, request.prompt_token_ids, request.params, start_time_, request.thinking_budget,
                    request.structured_output};
    // n choices with one seed must still differ: choice i draws from seed + i.
    if (r.params.seed && i > 0) r.params.seed = *r.params.seed + static_cast<uint64_t>(i);
    auto submitted = loop_.submit(std::move(r), notifier_);
    if (auto* rejection = std::get_if<RequestRejection>(&submitted)) {
      abort();
      choices_.clear();
      return *rejection;
    }
    Choice& c = choices_[static_cast<size_t>(i)];
    c.stream = std::get<std::shared_ptr<RequestStream>>(submitted);
    c.parser = std::make_unique<ReasoningParser>(tokenizer_, request.reasoning, request.prompt_token_ids);
    c.stops = std::make_unique<StopStringMatcher>(request.stop);
  }
  return std::nullopt;
}

bool GenerationSession::finished() const {
  return std::all_of(choices_.begin(), choices_.end(), [](const Choice& c) { return c.finished; });
}

void GenerationSession::abort() {
  for (Choice& c : choices_)
    if (!c.finished && c.stream) {
      loop_.abort(c.stream->request_id());
      c.finished = true;
      metrics_.count_finished("abort");
    }
}

UsageCounts GenerationSession::usage() const {
  UsageCounts u;
  u.prompt_tokens = num_prompt_tokens_;
  u.cached_tokens = num_cached_tokens_;
  for (const Choice& c : choices_) {
    u.completion_tokens += c.num_output_tokens;
    if (c.parser) u.reasoning_tokens += c.parser->num_reasoning_tokens();
  }
  return u;
}

std::vector<ChoiceDelta> GenerationSession::poll(std::chrono::milliseconds timeout) {
  std::vector<ChoiceDelta> deltas;
  const uint64_t seen = notifier_->version();
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < choices_.size(); ++i) {
      Choice& c = choices_[i];
      if (c.finished) continue;
      scratch_.clear();
      c.stream->wait_pop(scratch_, std::chrono::milliseconds(0));
      for (const RequestOutput& o : scratch_) process(c, static_cast<int64_t>(i), o, deltas);
    }
    if (!deltas.empty() || finished() || pass == 1) break;
    notifier_->wait_for_change(seen, timeout);
  }
  return deltas;
}

void GenerationSession::process(Choice& c, int64_t index, const RequestOutput& o, std::vector<ChoiceDelta>& deltas) {
  if (c.finished) return;
  const auto now = std::chrono::steady_clock::now();
  ChoiceDelta d;
  d.index = index;
  if (!c.seen) {
    d.first = true;
    c.seen = true;
    if (index == 0) {
      num_cached_tokens_ = o.num_cached_tokens;
      metrics_.observe_queue_time(o.queue_seconds);
      metrics_.observe_time_to_first_token(std::chrono::duration<double>(now - start_time_).count());
    }
  } else if (o.token_id >= 0) {
    metrics_.observe_inter_token_latency(std::chrono::duration<double>(now - c.last_token_time).count());
  }
  c.last_token_time = now;
  if (!o.error.empty()) error_ = o.error;
  if (o.token_id >= 0) {
    c.num_output_tokens = o.num_output_tokens;
    if (want_logprobs_) c.pending_logprobs.push_back(chat_logprob_entry(tokenizer_, o.sample));
    // The token that ends the sequence on a stop id is not text (eos, or a stop_token_ids entry).
    if (o.finish_reason != FinishReason::kStop) {
      ReasoningDelta r = c.parser->add(o.token_id);
      d.reasoning = std::move(r.reasoning);
      d.text = c.stops->add(r.content);
    }
  }
  if (c.stops->stopped()) {
    d.finish_reason = "stop";
    if (!o.finished()) loop_.abort(c.stream->request_id());
  } else if (o.finished()) {
    ReasoningDelta r = c.parser->flush();
    d.reasoning += r.reasoning;
    d.text += c.stops->add(r.content);
    d.text += c.stops->flush();
    d.finish_reason = o.finish_reason == FinishReason::kLength ? "length" : "stop";
  }
  if (d.finish_reason || o.finished()) {
    c.finished = true;
    metrics_.count_finished(o.finish_reason == FinishReason::kError ? "error" : *d.finish_reason);
    if (finished()) metrics_.observe_e2e_latency(std::chrono::duration<double>(now - start_time_).count());
  }
  // Logprobs travel with the text they produced; held-back tokens wait for it.
  if (!d.text.empty() || !d.reasoning.empty() || d.finish_reason) d.logprobs = std::exchange(c.pending_logprobs, nlohmann::json::array());
  if (d.first || !d.text.empty() || !d.reasoning.empty() || d.finish_reason || !d.logprobs.empty())
    deltas.push_back(std::move(d));
}

}  // namespace edgeserve
