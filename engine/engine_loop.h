#pragma once
// EngineLoop: the one engine thread (ARCHITECTURE "two kinds of threads"). HTTP threads submit requests and
// aborts through its inbox; the thread drains the inbox, runs LLMEngine::step() while anything is unfinished,
// and pushes each output to its request's RequestStream. It sleeps when idle. Stopping (or destroying) the
// loop aborts whatever is still live and finishes every stream.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <variant>
#include <vector>

#include "engine/engine_types.h"
#include "engine/llm_engine.h"
#include "engine/request_stream.h"

namespace edgeserve {

class EngineLoop {
 public:
  // Starts the engine thread; from now on only it touches `engine`.
  explicit EngineLoop(LLMEngine& engine);
  ~EngineLoop();
  EngineLoop(const EngineLoop&) = delete;
  EngineLoop& operator=(const EngineLoop&) = delete;

  // Any thread. Validates the request (a rejection is the client's fault: a 4xx), assigns its request_id and
  // queues it; the stream receives its outputs.
  // `notifier` (optional) is woken by every output of this request as well.
  std::variant<std::shared_ptr<RequestStream>, RequestRejection> submit(
      EngineRequest request, std::shared_ptr<StreamNotifier> notifier = nullptr);
  // Any thread. Ends the request (a client that left): its blocks are freed on the next loop turn and its
  // stream gets a final output with finish_reason abort. Unknown or finished ids are ignored.
  void abort(int64_t request_id);
  // Any thread: the counters as of the last step.
  EngineStats stats() const;
  // Aborts everything live, finishes every stream and joins the thread. Idempotent.
  void stop();

 private:
  struct Command {
    bool is_abort = false;
    EngineRequest request;                  // add
    std::shared_ptr<RequestStream> stream;  // add
    int64_t abort_id = 0;                   // abort
  };
  void run();
  void drain_inbox(std::vector<Command>& commands);
  void fail_all(const std::string& message);

  LLMEngine& engine_;
  std::atomic<int64_t> next_request_id_{1};
  mutable std::mutex mutex_;                // guards inbox_, stopping_, stats_
  std::condition_variable wake_;
  std::vector<Command> inbox_;
  bool stopping_ = false;
  EngineStats stats_;
  std::unordered_map<int64_t, std::shared_ptr<RequestStream>> streams_;   // engine thread only
  std::thread thread_;
};

}  // namespace edgeserve
