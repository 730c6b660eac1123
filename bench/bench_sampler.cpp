// Sampler cost per token at Qwen3's vocabulary (151936), single thread (printed, never asserted).
// Logits: N(0, sigma) with a few strong tokens on top, a stand-in for a language model's row (the cost of
// top_p depends on how flat the row is, so two spreads are shown). None of the modes below edits the row
// (no bias, penalties or mask), so one row serves every iteration.
// Usage: bench_sampler [ITERATIONS]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "engine/sampler/random.h"
#include "engine/sampler/sampler.h"

using namespace edgeserve;
using namespace edgeserve::sampler;

namespace {

constexpr int64_t kVocab = 151936;

std::vector<float> make_logits(double sigma, uint64_t seed) {
  SamplingRng rng(seed);
  std::vector<float> logits(kVocab);
  for (int64_t i = 0; i < kVocab; ++i) {
    // Box-Muller from two uniform draws.
    const double u1 = 1.0 - rng.next_double();
    const double u2 = rng.next_double();
    logits[i] = static_cast<float>(sigma * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }
  for (int i = 0; i < 8; ++i) logits[(i * 7919) % kVocab] += static_cast<float>(6.0 + i);  // a few likely tokens
  return logits;
}

// CPU time of this thread: less disturbed than wall time when other processes share the cores.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

void run(const char* name, std::vector<float>& logits, SamplingParams params, int iterations) {
  params = params.resolved(GenerationDefaults{}, {});
  Sampler sampler(kVocab);
  SequenceSamplingState state({}, 1234);
  for (int i = 0; i < 10; ++i) sampler.sample(logits, params, state);  // warm
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = thread_cpu_seconds();
  int64_t checksum = 0;
  for (int i = 0; i < iterations; ++i) checksum += sampler.sample(logits, params, state).token_id;
  const double cpu_seconds = thread_cpu_seconds() - cpu_start;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("  %-34s %9.1f us/sample wall %9.1f us/sample cpu   (checksum %lld)\n", name,
              seconds * 1e6 / iterations, cpu_seconds * 1e6 / iterations, static_cast<long long>(checksum));
}

}  // namespace

int main(int argc, char** argv) {
  const int iterations = argc > 1 ? std::atoi(argv[1]) : 300;
  for (double sigma : {2.0, 4.0}) {
    std::vector<float> logits = make_logits(sigma, 42);
    std::printf("vocab %lld, logits N(0, %.0f) + 8 strong tokens, %d iterations, 1 thread\n",
                static_cast<long long>(kVocab), sigma, iterations);
    SamplingParams greedy;
    greedy.temperature = 0.0;
    run("greedy", logits, greedy, iterations);
    SamplingParams top_k;
    top_k.temperature = 0.7;
    top_k.top_k = 20;
    run("top_k=20 T=0.7", logits, top_k, iterations);
    SamplingParams top_p;
    top_p.temperature = 0.7;
    top_p.top_p = 0.95;
    run("top_p=0.95 T=0.7", logits, top_p, iterations);
    SamplingParams qwen = top_p;
    qwen.temperature = 0.6;
    qwen.top_k = 20;
    run("top_k=20 top_p=0.95 T=0.6 (Qwen3)", logits, qwen, iterations);
    SamplingParams min_p;
    min_p.min_p = 0.05;
    run("min_p=0.05 T=1", logits, min_p, iterations);
    SamplingParams full;
    full.temperature = 1.0;
    run("full distribution T=1", logits, full, iterations);
    SamplingParams with_logprobs = top_p;
    with_logprobs.logprobs = true;
    with_logprobs.top_logprobs = 5;
    run("top_p=0.95 + logprobs, top 5", logits, with_logprobs, iterations);
  }
  return 0;
}
