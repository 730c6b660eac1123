#pragma once
// ThreadPool: persistent worker threads for the CPU backend's ops. parallel_for(n, fn) splits [0, n) into
// one static contiguous chunk per thread; the calling thread runs chunk 0 and waits for the rest.
// Owns the workers; never allocates per call (the job is a function pointer plus a context pointer).
// Must not be used from two threads at once (the engine thread is its only user) nor nested: a parallel_for
// from inside a chunk is a broken invariant and aborts.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace edgeserve {

class ThreadPool {
 public:
  // num_threads counts the caller: num_threads - 1 workers are started. num_threads >= 1.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Calls fn(begin, end) on disjoint chunks covering [0, n) exactly once, in parallel; returns when all
  // chunks are done. Chunk t is [t*n/T, (t+1)*n/T) for T = min(num_threads, n); n <= 0 does nothing.
  template <class Fn>
  void parallel_for(int64_t n, Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    run(n, [](void* ctx, int64_t begin, int64_t end) { (*static_cast<F*>(ctx))(begin, end); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // The default for --threads (CpuBackend(0)): physical cores this process may use, i.e. CPUs in the
  // affinity mask counted once per SMT sibling group (/sys/devices/system/cpu/cpuN/topology/
  // thread_siblings_list). Two threads on one core share its FMA units and gain nothing in these kernels.
  // Falls back to hardware_concurrency() when sysfs is unreadable. At least 1.
  static int default_num_threads();

 private:
  using RangeFn = void (*)(void* ctx, int64_t begin, int64_t end);
  void run(int64_t n, RangeFn fn, void* ctx);
  void worker_main(int thread_index);
  void run_chunk(int thread_index);

  int num_threads_;
  std::vector<std::thread> workers_;

  // The current job, written by the caller before generation_ is bumped, read by workers after.
  RangeFn job_fn_ = nullptr;
  void* job_ctx_ = nullptr;
  int64_t job_n_ = 0;
  int job_num_chunks_ = 0;

  std::atomic<uint64_t> generation_{0};   // bumped once per parallel_for: wakes workers
  std::atomic<int> num_pending_{0};       // worker chunks not yet finished in this generation
  std::atomic<int> num_sleeping_{0};      // workers blocked on wake_; the caller notifies only if > 0
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace edgeserve
