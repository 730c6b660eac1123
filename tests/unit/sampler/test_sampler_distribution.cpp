// Sampling frequencies against the softmax of the surviving tokens (tests/unit/sampler/reference_filters.h),
// with a chi-square statistic over 100k draws; fixed seeds make every run identical. Also: once warm,
// sample() allocates nothing (counted through a replaced global operator new in this test binary).
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <new>
#include <vector>

#include "engine/sampler/random.h"
#include "engine/sampler/sampler.h"
#include "tests/unit/sampler/reference_filters.h"

using namespace edgeserve;
using namespace edgeserve::sampler;
using edgeserve::test::Filter;

namespace {
std::atomic<int64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

namespace {

SamplingParams params_of(const Filter& f) {
  SamplingParams params;
  params.temperature = f.temperature;
  params.top_k = f.top_k;
  params.top_p = f.top_p;
  params.min_p = f.min_p;
  return params.resolved(GenerationDefaults{}, {});
}

// Upper critical value of chi-square with `df` degrees of freedom at significance 1e-3 (Wilson-Hilferty).
double chi_square_critical(int df) {
  const double z = 3.0902;  // standard normal quantile at 0.999
  const double a = 2.0 / (9.0 * df);
  return df * std::pow(1.0 - a + z * std::sqrt(a), 3.0);
}

void check_frequencies(const std::vector<float>& row, const Filter& f, uint64_t seed) {
  constexpr int kDraws = 100000;
  const std::vector<double> expected = edgeserve::test::reference_distribution(row, f);
  Sampler sampler(static_cast<int64_t>(row.size()));
  SequenceSamplingState state({}, seed);
  const SamplingParams params = params_of(f);
  std::vector<int64_t> counts(row.size(), 0);
  std::vector<float> logits(row.size());
  for (int i = 0; i < kDraws; ++i) {
    logits = row;
    counts[static_cast<size_t>(sampler.sample(logits, params, state).token_id)] += 1;
  }
  double chi_square = 0.0;
  int num_bins = 0;
  for (size_t id = 0; id < row.size(); ++id) {
    if (expected[id] == 0.0) {
      INFO("token " << id << " was filtered out but drawn");
      REQUIRE(counts[id] == 0);
      continue;
    }
    const double e = expected[id] * kDraws;
    chi_square += (counts[id] - e) * (counts[id] - e) / e;
    num_bins += 1;
  }
  INFO("T " << f.temperature << " top_k " << f.top_k << " top_p " << f.top_p << " min_p " << f.min_p << " bins "
            << num_bins << " chi2 " << chi_square);
  if (num_bins > 1) CHECK(chi_square < chi_square_critical(num_bins - 1));
}

}  // namespace

TEST_CASE("sampling frequencies follow the softmax of the survivors, chi-square over 100k draws",
          "[sampler][distribution]") {
  const std::vector<float> row = {0.1f, 0.5f, 1.0f, 0.2f, 0.9f, -0.5f, 0.7f, 0.3f, 0.4f, 0.8f};
  check_frequencies(row, {.temperature = 1.0}, 1);
  check_frequencies(row, {.temperature = 0.5}, 2);
  check_frequencies(row, {.temperature = 1.7}, 3);
  check_frequencies(row, {.temperature = 1.0, .top_k = 4}, 4);
  check_frequencies(row, {.temperature = 1.0, .top_p = 0.8}, 5);
  check_frequencies(row, {.temperature = 1.3, .min_p = 0.6}, 6);
  check_frequencies(row, {.temperature = 0.9, .top_k = 6, .top_p = 0.7, .min_p = 0.4}, 7);
}

TEST_CASE("sampling frequencies over a 1000-token row, chunked full-distribution walk",
          "[sampler][distribution]") {
  SamplingRng rng(11);
  std::vector<float> row(1000);
  for (float& x : row) x = static_cast<float>(2.0 * rng.next_double());  // every p within e^2 of the others
  check_frequencies(row, {.temperature = 1.0}, 8);
  check_frequencies(row, {.temperature = 1.0, .top_k = 100}, 9);
}

TEST_CASE("sample allocates nothing once warm", "[sampler][allocation]") {
  constexpr int64_t kVocab = 151936;
  SamplingRng rng(3);
  std::vector<float> row(kVocab);
  for (float& x : row) x = static_cast<float>(8.0 * rng.next_double());
  Sampler sampler(kVocab);
  SamplingParams params;
  params.temperature = 0.8;
  params.top_k = 40;
  params.top_p = 0.9;
  params.presence_penalty = 0.5;
  params.repetition_penalty = 1.1;
  params.logit_bias = {{5, 2.0f}};
  params.logprobs = true;
  params.top_logprobs = 5;
  const SamplingParams resolved = params.resolved(GenerationDefaults{}, {});
  SamplingParams full;
  full.temperature = 1.0;
  const SamplingParams resolved_full = full.resolved(GenerationDefaults{}, {});
  const std::vector<int32_t> prompt = {1, 2, 3};
  SequenceSamplingState state(prompt, 5);
  TokenBitmask mask(kVocab, true);
  mask.disallow(7);
  std::vector<float> logits(kVocab);
  for (int i = 0; i < 3; ++i) {  // warm: scratch buffers and the counts table reach their sizes
    logits = row;
    sampler.sample(logits, resolved, state, {.allowed_tokens = &mask});
    logits = row;
    sampler.sample(logits, resolved_full, state);
  }
  const int64_t before = g_allocations.load();
  for (int i = 0; i < 3; ++i) {
    logits = row;  // same size: no allocation
    sampler.sample(logits, resolved, state, {.allowed_tokens = &mask});
    logits = row;
    sampler.sample(logits, resolved_full, state);
  }
  CHECK(g_allocations.load() - before == 0);
}
