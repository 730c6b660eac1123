// CandidateSelector (min_p -> top_k -> top_p survivors) against a direct whole-row computation written
// plainly below in double precision, numpy style: scale by 1/T, softmax, sort everything, cumulative sums.
// Hand-made rows pin the exact semantics (ties, boundaries, renormalization, order of the filters); random
// rows, including a 151936-token one, check the fast path (heap, chunk skipping, prefilter) against it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "engine/sampler/candidates.h"
#include "engine/sampler/random.h"
#include "tests/unit/sampler/reference_filters.h"

using namespace edgeserve::sampler;
using edgeserve::test::Filter;
using edgeserve::test::reference_survivors;

namespace {

std::vector<int32_t> selected(CandidateSelector& selector, const std::vector<float>& logits, const Filter& f) {
  FilterParams params;
  params.temperature = static_cast<float>(f.temperature);
  params.top_k = f.top_k;
  params.top_p = f.top_p;
  params.min_p = f.min_p;
  selector.select(logits, *std::max_element(logits.begin(), logits.end()), params);
  std::vector<int32_t> ids;
  for (const Candidate& c : selector.candidates()) ids.push_back(c.token_id);
  return ids;
}

// Logits whose softmax is exactly `probs` (up to rounding): ln p.
std::vector<float> log_of(const std::vector<double>& probs) {
  std::vector<float> logits;
  for (double p : probs) logits.push_back(static_cast<float>(std::log(p)));
  return logits;
}

std::vector<float> gaussian_row(size_t n, double sigma, uint64_t seed) {
  SamplingRng rng(seed);
  std::vector<float> row(n);
  for (float& x : row) {
    const double u1 = 1.0 - rng.next_double(), u2 = rng.next_double();
    x = static_cast<float>(sigma * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
  }
  return row;
}

}  // namespace

TEST_CASE("top_k keeps the k largest, and every token tied with the k-th", "[sampler][candidates]") {
  CandidateSelector selector(8);
  const std::vector<float> row = {1, 2, 3, 4, 5};
  CHECK(selected(selector, row, {.top_k = 2}) == std::vector<int32_t>{3, 4});
  CHECK(selected(selector, row, {.top_k = 2}) == reference_survivors(row, {.top_k = 2}));
  const std::vector<float> ties = {3, 1, 3, 3, 2};
  CHECK(selected(selector, ties, {.top_k = 2}) == std::vector<int32_t>{0, 2, 3});  // vLLM keeps boundary ties
  CHECK(selected(selector, ties, {.top_k = 4}) == std::vector<int32_t>{0, 2, 3, 4});
  CHECK(selected(selector, row, {.top_k = 1}) == std::vector<int32_t>{4});
  // Weights are exp((logit - max) / T).
  selected(selector, row, {.temperature = 0.5, .top_k = 2});
  REQUIRE(selector.weights().size() == 2);
  CHECK(selector.weights()[0] == Approx(std::exp((4.0 - 5.0) / 0.5)).epsilon(1e-6));
  CHECK(selector.weights()[1] == Approx(1.0).epsilon(1e-6));
  CHECK(selector.total_weight() == Approx(1.0 + std::exp(-2.0)).epsilon(1e-6));
}

TEST_CASE("top_p keeps the smallest prefix reaching top_p, the top token always", "[sampler][candidates]") {
  CandidateSelector selector(8);
  // softmax = [0.15, 0.5, 0.05, 0.3]: descending 1 (0.5), 3 (0.3), 0 (0.15), 2 (0.05)
  const std::vector<float> row = log_of({0.15, 0.5, 0.05, 0.3});
  CHECK(selected(selector, row, {.top_p = 0.45}) == std::vector<int32_t>{1});
  CHECK(selected(selector, row, {.top_p = 0.79}) == std::vector<int32_t>{1, 3});
  CHECK(selected(selector, row, {.top_p = 0.81}) == std::vector<int32_t>{1, 3, 0});
  CHECK(selected(selector, row, {.top_p = 0.96}) == std::vector<int32_t>{1, 3, 0, 2});
  CHECK(selected(selector, row, {.top_p = 0.01}) == std::vector<int32_t>{1});
  for (double p : {0.45, 0.79, 0.81, 0.96}) CHECK(selected(selector, row, {.top_p = p}) == reference_survivors(row, {.top_p = p}));
  // Temperature 2 flattens [0.5, 0.3, 0.15, 0.05] to ~[0.37, 0.29, 0.20, 0.12]: top_p 0.79 now needs three.
  CHECK(selected(selector, row, {.temperature = 2.0, .top_p = 0.79}) == std::vector<int32_t>{1, 3, 0});
  // Ties are ordered by id.
  const std::vector<float> ties = {0, 0, 0, 0};
  CHECK(selected(selector, ties, {.top_p = 0.6}) == std::vector<int32_t>{0, 1, 2});
  // Exactly on the boundary (all sums exact in binary): mass before the third token is 0.5, not < 0.5, so
  // two stay -- vLLM's mask "ascending cumsum <= 1 - top_p" removes the two lower-ranked ones.
  CHECK(selected(selector, ties, {.top_p = 0.5}) == std::vector<int32_t>{0, 1});
}

TEST_CASE("min_p keeps p >= min_p * p_max", "[sampler][candidates]") {
  CandidateSelector selector(8);
  const std::vector<float> row = log_of({0.15, 0.5, 0.05, 0.3});
  CHECK(selected(selector, row, {.min_p = 0.2}) == std::vector<int32_t>{0, 1, 3});   // >= 0.1
  CHECK(selected(selector, row, {.min_p = 0.35}) == std::vector<int32_t>{1, 3});     // >= 0.175
  CHECK(selected(selector, row, {.min_p = 1.0}) == std::vector<int32_t>{1});
  CHECK(selected(selector, row, {.min_p = 0.05}) == std::vector<int32_t>{0, 1, 2, 3});
  // Temperature 0.5 squares the ratios: 0.3/0.5 = 0.6 -> 0.36 < 0.4.
  CHECK(selected(selector, row, {.temperature = 0.5, .min_p = 0.4}) == std::vector<int32_t>{1});
  for (double m : {0.2, 0.35, 1.0, 0.05}) CHECK(selected(selector, row, {.min_p = m}) == reference_survivors(row, {.min_p = m}));
}

TEST_CASE("filters compose as vLLM V1: min_p, then top_k, then top_p over the renormalized rest",
          "[sampler][candidates]") {
  CandidateSelector selector(8);
  const std::vector<float> row = log_of({0.5, 0.3, 0.15, 0.05});
  // top_k 3 leaves [0.5, 0.3, 0.15] / 0.95 = [0.526, 0.316, 0.158]: top_p 0.82 stops after two (mass
  // before the third is 0.842), where top_p 0.82 on the unfiltered row keeps three (0.8 before the third).
  CHECK(selected(selector, row, {.top_k = 3, .top_p = 0.82}) == std::vector<int32_t>{0, 1});
  CHECK(selected(selector, row, {.top_p = 0.82}) == std::vector<int32_t>{0, 1, 2});
  // min_p 0.2 drops 0.05 first; top_p 0.82 over the rest keeps two (top_p first would keep three).
  CHECK(selected(selector, row, {.top_p = 0.82, .min_p = 0.2}) == std::vector<int32_t>{0, 1});
  // min_p before top_k: min_p 0.5 leaves {0, 1}; top_k 3 cannot bring 2 back.
  CHECK(selected(selector, row, {.top_k = 3, .min_p = 0.5}) == std::vector<int32_t>{0, 1});
  for (const Filter& f : {Filter{.top_k = 3, .top_p = 0.82}, Filter{.top_p = 0.82, .min_p = 0.2},
                          Filter{.top_k = 3, .min_p = 0.5}})
    CHECK(selected(selector, row, f) == reference_survivors(row, f));
}

TEST_CASE("masked -inf tokens never survive, even when top_k asks for more than remain", "[sampler][candidates]") {
  CandidateSelector selector(8);
  const float inf = INFINITY;
  const std::vector<float> row = {-inf, 1.0f, -inf, 0.5f};
  CHECK(selected(selector, row, {.top_k = 3}) == std::vector<int32_t>{1, 3});
  CHECK(selected(selector, row, {.top_p = 0.99}) == std::vector<int32_t>{1, 3});
  CHECK(selected(selector, row, {.min_p = 0.01}) == std::vector<int32_t>{1, 3});
}

TEST_CASE("random rows: survivors equal the whole-row reference", "[sampler][candidates]") {
  const std::vector<Filter> filters = {
      {.temperature = 1.0, .top_k = 1},     {.temperature = 0.7, .top_k = 20},
      {.temperature = 1.0, .top_k = 300},   {.temperature = 0.7, .top_p = 0.95},
      {.temperature = 1.3, .top_p = 0.5},   {.temperature = 1.0, .top_p = 0.999},
      {.temperature = 1.0, .min_p = 0.05},  {.temperature = 0.6, .top_k = 20, .top_p = 0.95},
      {.temperature = 1.0, .top_k = 50, .top_p = 0.9, .min_p = 0.01},
      {.temperature = 0.8, .top_p = 0.9, .min_p = 0.1},
  };
  CandidateSelector selector(1000);
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const std::vector<float> row = gaussian_row(1000, seed % 2 == 0 ? 1.0 : 3.0, seed);
    for (const Filter& f : filters) {
      INFO("seed " << seed << " T " << f.temperature << " top_k " << f.top_k << " top_p " << f.top_p << " min_p "
                   << f.min_p);
      CHECK(selected(selector, row, f) == reference_survivors(row, f));
    }
  }
}

TEST_CASE("151936-token rows: top_p prefilter and top_k heap agree with the reference", "[sampler][candidates]") {
  CandidateSelector selector(151936);
  // sigma 0.1: nearly flat, the nucleus is most of the vocabulary; sigma 3: a peaked row.
  for (double sigma : {0.1, 3.0}) {
    const std::vector<float> row = gaussian_row(151936, sigma, 77);
    for (const Filter& f : {Filter{.temperature = 1.0, .top_p = 0.95}, Filter{.temperature = 0.7, .top_k = 20},
                            Filter{.temperature = 1.0, .top_k = 5000}}) {
      INFO("sigma " << sigma << " top_k " << f.top_k << " top_p " << f.top_p);
      CHECK(selected(selector, row, f) == reference_survivors(row, f));
    }
  }
}
