// ThreadPool: spin briefly, then sleep on a condition variable between steps. Workers spin because ops of
// one forward step follow each other within microseconds; they sleep because between steps (or when idle)
// a spinning thread would steal a core from the HTTP threads.
#include "engine/util/thread_pool.h"

#include <sched.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ES_CPU_RELAX() _mm_pause()
#else
#define ES_CPU_RELAX() ((void)0)
#endif

namespace edgeserve {
namespace {

// Waiting is: kPauseIterations busy polls (a few microseconds: the next op of the step usually comes that
// soon), then polls with sched_yield (so an oversubscribed machine, more threads than free cores, still makes
// progress), then workers block on the condition variable.
constexpr int kPauseIterations = 2000;
constexpr int kYieldIterations = 200;
thread_local bool t_inside_parallel_for = false;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "%s:%d: ThreadPool: %s\n", __FILE__, __LINE__, what);
  std::abort();
}

}  // namespace

ThreadPool::ThreadPool(int num_threads) : num_threads_(num_threads) {
  if (num_threads < 1) die("num_threads must be >= 1");
  workers_.reserve(num_threads - 1);
  for (int t = 1; t < num_threads; ++t) workers_.emplace_back([this, t] { worker_main(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::run_chunk(int thread_index) {
  if (thread_index >= job_num_chunks_) return;
  const int64_t begin = job_n_ * thread_index / job_num_chunks_;
  const int64_t end = job_n_ * (thread_index + 1) / job_num_chunks_;
  t_inside_parallel_for = true;
  job_fn_(job_ctx_, begin, end);
  t_inside_parallel_for = false;
}

void ThreadPool::run(int64_t n, RangeFn fn, void* ctx) {
  if (t_inside_parallel_for) die("nested parallel_for (called from inside a chunk)");
  if (n <= 0) return;
  const int num_chunks = static_cast<int>(n < num_threads_ ? n : num_threads_);
  if (num_chunks == 1) {  // nothing to share: no wake-up cost
    t_inside_parallel_for = true;
    fn(ctx, 0, n);
    t_inside_parallel_for = false;
    return;
  }
  job_fn_ = fn;
  job_ctx_ = ctx;
  job_n_ = n;
  job_num_chunks_ = num_chunks;
  num_pending_.store(num_threads_ - 1);  // every worker reports, even one without a chunk
  generation_.fetch_add(1);              // seq_cst: pairs with the sleeper check in worker_main
  if (num_sleeping_.load() > 0) {
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
  }
  run_chunk(0);
  for (int i = 0; num_pending_.load(std::memory_order_acquire) != 0; ++i) {
    if (i < kPauseIterations) ES_CPU_RELAX();
    else std::this_thread::yield();
  }
}

void ThreadPool::worker_main(int thread_index) {
  uint64_t seen = 0;
  for (;;) {
    uint64_t current = generation_.load(std::memory_order_acquire);
    for (int i = 0; current == seen && i < kPauseIterations + kYieldIterations &&
                    !stop_.load(std::memory_order_relaxed); ++i) {
      if (i < kPauseIterations) ES_CPU_RELAX();
      else std::this_thread::yield();
      current = generation_.load(std::memory_order_acquire);
    }
    if (current == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      num_sleeping_.fetch_add(1);
      wake_.wait(lock, [&] { return stop_.load() || generation_.load() != seen; });
      num_sleeping_.fetch_sub(1);
      current = generation_.load();
    }
    if (stop_.load()) return;
    seen = current;
    run_chunk(thread_index);
    num_pending_.fetch_sub(1, std::memory_order_release);
  }
}

int ThreadPool::default_num_threads() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  int fallback = static_cast<int>(std::thread::hardware_concurrency());
  if (fallback < 1) fallback = 1;
  if (sched_getaffinity(0, sizeof(mask), &mask) != 0) return fallback;
  std::set<std::string> cores;  // one entry per SMT sibling group
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &mask)) continue;
    std::ifstream in("/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/thread_siblings_list");
    std::string siblings;
    if (!in || !std::getline(in, siblings)) return fallback;
    cores.insert(siblings);
  }
  return cores.empty() ? fallback : static_cast<int>(cores.size());
}

}  // namespace edgeserve
