#include "engine/engine_loop.h"

#include <spdlog/spdlog.h>

namespace edgeserve {

EngineLoop::EngineLoop(LLMEngine& engine) : engine_(engine), stats_(engine.stats()) {
  thread_ = std::thread([this] { run(); });
}

EngineLoop::~EngineLoop() { stop(); }

std::variant<std::shared_ptr<RequestStream>, RequestRejection> EngineLoop::submit(
    EngineRequest request, std::shared_ptr<StreamNotifier> notifier) {
  if (auto rejection = engine_.validate(request)) return *rejection;
  request.request_id = next_request_id_.fetch_add(1);
  if (!request.arrival_time) request.arrival_time = std::chrono::steady_clock::now();
  auto stream = std::make_shared<RequestStream>(request.request_id, std::move(notifier));
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return RequestRejection{"", "the engine is shutting down", ""};
    inbox_.push_back(Command{false, std::move(request), stream, 0});
  }
  wake_.notify_one();
  return stream;
}

void EngineLoop::abort(int64_t request_id) {
  {
    std::lock_guard lock(mutex_);
    Command c;
    c.is_abort = true;
    c.abort_id = request_id;
    inbox_.push_back(std::move(c));
  }
  wake_.notify_one();
}

EngineStats EngineLoop::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void EngineLoop::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void EngineLoop::drain_inbox(std::vector<Command>& commands) {
  for (Command& c : commands) {
    if (!c.is_abort) {
      const int64_t id = c.request.request_id;
      streams_.emplace(id, std::move(c.stream));
      engine_.add_request(std::move(c.request));
      continue;
    }
    const auto it = streams_.find(c.abort_id);
    if (it == streams_.end()) continue;   // finished already
    engine_.abort_request(c.abort_id);
    RequestOutput o;
    o.request_id = c.abort_id;
    o.finish_reason = FinishReason::kAbort;
    it->second->push(std::move(o));
    streams_.erase(it);
  }
  commands.clear();
}

void EngineLoop::fail_all(const std::string& message) {
  for (auto& [id, stream] : streams_) {
    engine_.abort_request(id);
    RequestOutput o;
    o.request_id = id;
    o.finish_reason = FinishReason::kError;
    o.error = message;
    stream->push(std::move(o));
  }
  streams_.clear();
}

void EngineLoop::run() {
  std::vector<Command> commands;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !inbox_.empty() || engine_.has_unfinished_requests(); });
      if (stopping_) break;
      commands.swap(inbox_);
    }
    drain_inbox(commands);
    try {
      std::vector<RequestOutput> outputs = engine_.step();
      {
        // Counters first: a client that receives its last output then reads stats() sees this step in them.
        std::lock_guard lock(mutex_);
        stats_ = engine_.stats();
      }
      for (RequestOutput& o : outputs) {
        const auto it = streams_.find(o.request_id);
        if (it == streams_.end()) continue;
        const bool finished = o.finished();
        it->second->push(std::move(o));
        if (finished) streams_.erase(it);
      }
    } catch (const std::exception& e) {
      // A failed forward pass (out of memory, a backend fault) ends the requests in flight, not the server.
      spdlog::error("engine step failed: {}", e.what());
      fail_all(std::string("engine step failed: ") + e.what());
      std::lock_guard lock(mutex_);
      stats_ = engine_.stats();
    }
  }
  // Shutting down: drop queued adds and live requests alike.
  {
    std::lock_guard lock(mutex_);
    commands.swap(inbox_);
  }
  for (Command& c : commands) {
    if (c.is_abort || !c.stream) continue;
    RequestOutput o;
    o.request_id = c.request.request_id;
    o.finish_reason = FinishReason::kAbort;
    c.stream->push(std::move(o));
  }
  for (auto& [id, stream] : streams_) {
    engine_.abort_request(id);
    RequestOutput o;
    o.request_id = id;
    o.finish_reason = FinishReason::kAbort;
    stream->push(std::move(o));
  }
  streams_.clear();
}

}  // namespace edgeserve
