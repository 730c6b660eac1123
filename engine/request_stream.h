#pragma once
// RequestStream: the one queue between the engine thread and the HTTP thread serving a request. The engine
// pushes each step's output; the consumer waits and takes everything queued so far. Thread-safe. After the
// request's last output (finished) nothing more is pushed.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "engine/engine_types.h"

namespace edgeserve {

class RequestStream {
 public:
  explicit RequestStream(int64_t request_id) : request_id_(request_id) {}

  int64_t request_id() const { return request_id_; }

  // Engine thread.
  void push(RequestOutput output) {
    {
      std::lock_guard lock(mutex_);
      finished_ = finished_ || output.finished();
      queue_.push_back(std::move(output));
    }
    ready_.notify_one();
  }

  // Moves every queued output into `out` (appended), waiting up to `timeout` for the first one. False when
  // nothing came in time.
  bool wait_pop(std::vector<RequestOutput>& out, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, timeout, [&] { return !queue_.empty(); })) return false;
    while (!queue_.empty()) {
      out.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return true;
  }

  // The last output has been pushed (it may not have been taken yet).
  bool finished() const {
    std::lock_guard lock(mutex_);
    return finished_;
  }

 private:
  const int64_t request_id_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<RequestOutput> queue_;
  bool finished_ = false;
};

}  // namespace edgeserve
