// Worker-thread load loop: see load_runner.h. Indexes and arrival times are handed out under one mutex, in
// order, so a seed gives the same prompts and the same arrival schedule whatever the thread timing.
#include "server/bench/load_runner.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "server/bench/arrivals.h"
#include "server/bench/prompt_generator.h"

namespace edgeserve::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Ticket {
  int64_t index;
  double arrival_s;  // 0 in the closed loop
};

class LoadState {
 public:
  LoadState(const LoadConfig& config, const ProgressCallback& on_progress)
      : config_(config), on_progress_(on_progress), start_(Clock::now()) {
    if (config.request_rate > 0.0) arrivals_.emplace(config.request_rate, config.seed);
  }

  Clock::time_point start() const { return start_; }

  bool past_deadline(Clock::time_point t) const {
    return config_.duration_s > 0.0 && seconds_since_start(t) >= config_.duration_s;
  }

  double seconds_since_start(Clock::time_point t) const {
    return std::chrono::duration<double>(t - start_).count();
  }

  // The next request to send, or nothing when the run has issued all it may.
  std::optional<Ticket> next_ticket() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_ || (config_.num_prompts > 0 && next_index_ >= config_.num_prompts)) return std::nullopt;
    Ticket ticket{next_index_++, arrivals_ ? arrivals_->next_arrival_s() : 0.0};
    if (config_.duration_s > 0.0 && ticket.arrival_s >= config_.duration_s) {
      stopped_ = true;  // arrivals are ordered: every later one is past the deadline too
      return std::nullopt;
    }
    return ticket;
  }

  void record(int64_t index, RequestOutput output) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!output.success) ++num_failed_;
    finished_.emplace_back(index, std::move(output));
    if (on_progress_) on_progress_(static_cast<int64_t>(finished_.size()), num_failed_);
  }

  std::vector<RequestOutput> take_outputs() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::sort(finished_.begin(), finished_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<RequestOutput> outputs;
    outputs.reserve(finished_.size());
    for (auto& entry : finished_) outputs.push_back(std::move(entry.second));
    finished_.clear();
    return outputs;
  }

 private:
  const LoadConfig& config_;
  const ProgressCallback& on_progress_;
  const Clock::time_point start_;
  std::mutex mutex_;
  std::optional<PoissonArrivals> arrivals_;
  int64_t next_index_ = 0;
  bool stopped_ = false;
  int64_t num_failed_ = 0;
  std::vector<std::pair<int64_t, RequestOutput>> finished_;
};

void worker_loop(const LoadConfig& config, LoadState& state) {
  while (std::optional<Ticket> ticket = state.next_ticket()) {
    const auto arrival = state.start() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(ticket->arrival_s));
    std::this_thread::sleep_until(arrival);
    const Clock::time_point now = Clock::now();
    if (state.past_deadline(now)) return;
    RequestSpec spec = config.request;
    spec.prompt = make_prompt(config.seed, static_cast<uint64_t>(ticket->index), config.input_len);
    spec.prompt_words = config.input_len;
    const double send_offset_s = state.seconds_since_start(now);
    RequestOutput output = send_streaming_request(config.client, spec);
    output.send_offset_s = send_offset_s;
    state.record(ticket->index, std::move(output));
  }
}

}  // namespace

LoadResult run_load(const LoadConfig& config, const ProgressCallback& on_progress) {
  assert(config.concurrency >= 1);
  assert(config.num_prompts > 0 || config.duration_s > 0.0);
  assert(config.request_rate >= 0.0);
  LoadState state(config, on_progress);
  int num_workers = config.concurrency;
  if (config.num_prompts > 0) num_workers = static_cast<int>(std::min<int64_t>(num_workers, config.num_prompts));
  std::vector<std::thread> workers;
  workers.reserve(static_cast<size_t>(num_workers));
  for (int i = 0; i < num_workers; ++i) workers.emplace_back(worker_loop, std::cref(config), std::ref(state));
  for (std::thread& worker : workers) worker.join();
  LoadResult result;
  result.duration_s = state.seconds_since_start(Clock::now());
  result.outputs = state.take_outputs();
  return result;
}

}  // namespace edgeserve::bench
