#pragma once
// RequestStream: the one queue between the engine thread and the HTTP thread serving a request. The engine
// pushes each step's output; the consumer waits and takes everything queued so far. Thread-safe. After the
// request's last output (finished) nothing more is pushed.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/engine_types.h"

namespace edgeserve {

// Wakes one consumer that follows several streams (the n choices of a request): every push to any of them
// bumps the version.
class StreamNotifier {
 public:
  void notify() {
    {
      std::lock_guard lock(mutex_);
      version_ += 1;
    }
    changed_.notify_all();
  }
  uint64_t version() const {
    std::lock_guard lock(mutex_);
    return version_;
  }
  // Waits until the version differs from `seen` (or the timeout); returns the current version.
  uint64_t wait_for_change(uint64_t seen, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return version_ != seen; });
    return version_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  uint64_t version_ = 0;
};

class RequestStream {
 public:
  explicit RequestStream(int64_t request_id, std::shared_ptr<StreamNotifier> notifier = nullptr)
      : request_id_(request_id), notifier_(std::move(notifier)) {}

  int64_t request_id() const { return request_id_; }

  // Engine thread.
  void push(RequestOutput output) {
    {
      std::lock_guard lock(mutex_);
      finished_ = finished_ || output.finished();
      queue_.push_back(std::move(output));
    }
    ready_.notify_one();
    if (notifier_) notifier_->notify();
  }

  // Moves every queued output into `out` (appended), waiting up to `timeout` for the first one (0: do not
  // wait). False when nothing came in time.
  bool wait_pop(std::vector<RequestOutput>& out, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (timeout.count() == 0 ? queue_.empty() : !ready_.wait_for(lock, timeout, [&] { return !queue_.empty(); }))
      return false;
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
  std::shared_ptr<StreamNotifier> notifier_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<RequestOutput> queue_;
  bool finished_ = false;
};

}  // namespace edgeserve
