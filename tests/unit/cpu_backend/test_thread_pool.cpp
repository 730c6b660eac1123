// ThreadPool: every index visited exactly once, static chunk boundaries, many calls in a row, calls after the
// workers went to sleep, and the default thread count. Reference: a per-index visit counter.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <chrono>
#include <thread>
#include <vector>

#include "engine/util/thread_pool.h"

using edgeserve::ThreadPool;

namespace {

void check_covers_once(ThreadPool& pool, int64_t n) {
  std::vector<std::atomic<int>> visits(static_cast<size_t>(n > 0 ? n : 0));
  std::atomic<int> num_calls{0};
  pool.parallel_for(n, [&](int64_t begin, int64_t end) {
    REQUIRE(begin < end);  // no empty chunks are handed out
    num_calls.fetch_add(1);
    for (int64_t i = begin; i < end; ++i) visits[i].fetch_add(1);
  });
  for (int64_t i = 0; i < n; ++i) REQUIRE(visits[i].load() == 1);
  const int64_t expected_calls = n <= 0 ? 0 : std::min<int64_t>(n, pool.num_threads());
  REQUIRE(num_calls.load() == expected_calls);
}

}  // namespace

TEST_CASE("parallel_for covers every index exactly once", "[thread_pool]") {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    REQUIRE(pool.num_threads() == threads);
    for (int64_t n : {0, 1, 2, 3, 4, 5, 7, 16, 17, 100, 1001}) check_covers_once(pool, n);
  }
}

TEST_CASE("parallel_for uses static contiguous chunks t*n/T", "[thread_pool]") {
  ThreadPool pool(3);
  std::vector<std::pair<int64_t, int64_t>> chunks(3, {-1, -1});
  std::mutex m;
  pool.parallel_for(10, [&](int64_t begin, int64_t end) {
    std::lock_guard<std::mutex> lock(m);
    for (int t = 0; t < 3; ++t)
      if (begin == 10 * t / 3) chunks[t] = {begin, end};
  });
  REQUIRE(chunks[0] == std::pair<int64_t, int64_t>{0, 3});
  REQUIRE(chunks[1] == std::pair<int64_t, int64_t>{3, 6});
  REQUIRE(chunks[2] == std::pair<int64_t, int64_t>{6, 10});
}

TEST_CASE("parallel_for runs chunks on several threads - the caller among them", "[thread_pool]") {
  ThreadPool pool(2);
  std::atomic<int> caller_ran{0};
  std::atomic<int> other_ran{0};
  const auto caller = std::this_thread::get_id();
  pool.parallel_for(2, [&](int64_t, int64_t) {
    (std::this_thread::get_id() == caller ? caller_ran : other_ran).fetch_add(1);
  });
  REQUIRE(caller_ran.load() == 1);
  REQUIRE(other_ran.load() == 1);
}

TEST_CASE("parallel_for stays correct over many calls and after workers sleep", "[thread_pool]") {
  ThreadPool pool(3);
  std::vector<int64_t> sums(3, 0);
  int64_t total = 0;
  for (int call = 0; call < 5000; ++call) {
    std::atomic<int64_t> sum{0};
    const int64_t n = 1 + call % 37;
    pool.parallel_for(n, [&](int64_t begin, int64_t end) {
      int64_t local = 0;
      for (int64_t i = begin; i < end; ++i) local += i + call;
      sum.fetch_add(local);
    });
    REQUIRE(sum.load() == n * (n - 1) / 2 + n * call);
    total += sum.load();
  }
  REQUIRE(total > 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // workers leave the spin and block
  for (int round = 0; round < 5; ++round) {
    check_covers_once(pool, 64);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

TEST_CASE("default_num_threads counts at least one physical core - at most the logical CPUs", "[thread_pool]") {
  const int n = ThreadPool::default_num_threads();
  REQUIRE(n >= 1);
  const unsigned logical = std::thread::hardware_concurrency();
  if (logical > 0) REQUIRE(n <= static_cast<int>(logical));
}

TEST_CASE("nested parallel_for aborts (checked in a forked child)", "[thread_pool]") {
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::freopen("/dev/null", "w", stderr);
    std::freopen("/dev/null", "w", stdout);
    std::signal(SIGABRT, SIG_DFL);  // Catch2 handles SIGABRT in the parent image; the child must really die
    ThreadPool pool(2);
    pool.parallel_for(4, [&](int64_t, int64_t) { pool.parallel_for(2, [](int64_t, int64_t) {}); });
    _exit(0);  // reached only if the nesting went unnoticed
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  REQUIRE(WTERMSIG(status) == SIGABRT);
}
