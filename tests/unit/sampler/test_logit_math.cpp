// logit_math against plain references: fast_exp against std::exp (double), the vector loops against the
// scalar fast_exp and simple one-element-at-a-time loops, bit for bit. The same binary also runs under
// EDGESERVE_NO_AVX512=1 (a second ctest entry), so both the AVX-512 and the portable lanes are held to it.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "engine/sampler/logit_math.h"
#include "engine/sampler/random.h"

using namespace edgeserve::sampler;

namespace {

std::vector<float> random_row(size_t n, uint64_t seed) {
  SamplingRng rng(seed);
  std::vector<float> row(n);
  for (float& x : row) x = static_cast<float>(20.0 * rng.next_double() - 10.0);
  return row;
}

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

}  // namespace

TEST_CASE("fast_exp is within 1e-6 relative of std::exp and 0 below the normal range", "[sampler][math]") {
  double worst = 0.0;
  for (double x = -87.0; x <= 88.0; x += 0.001) {
    const double exact = std::exp(static_cast<double>(static_cast<float>(x)));
    worst = std::max(worst, std::abs(fast_exp(static_cast<float>(x)) - exact) / exact);
  }
  CHECK(worst < 1e-6);
  CHECK(fast_exp(0.0f) == 1.0f);
  CHECK(fast_exp(-87.5f) == 0.0f);
  CHECK(fast_exp(-std::numeric_limits<float>::infinity()) == 0.0f);
  CHECK(fast_exp(std::numeric_limits<float>::quiet_NaN()) == 0.0f);
}

TEST_CASE("exp_weights equals the scalar fast_exp term by term, bit for bit", "[sampler][math]") {
  for (size_t n : {1, 15, 16, 17, 1000, 151936}) {
    std::vector<float> row = random_row(n, n);
    row[0] = -std::numeric_limits<float>::infinity();
    if (n > 3) row[3] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> weights(n);
    const double sum = exp_weights(row.data(), static_cast<int64_t>(n), 1.5f, 0.7f, weights.data());
    double reference_sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
      const float expected = fast_exp((row[i] - 1.5f) * 0.7f);
      INFO("n " << n << " i " << i);
      REQUIRE(same_bits(weights[i], expected));
      reference_sum += expected;
    }
    CHECK(sum == Approx(reference_sum).epsilon(1e-6));
    CHECK(exp_weights(row.data(), static_cast<int64_t>(n), 1.5f, 0.7f, nullptr) == sum);
  }
}

TEST_CASE("max_value, first_index_of and count_greater equal plain loops", "[sampler][math]") {
  const float neg_inf = -std::numeric_limits<float>::infinity();
  for (size_t n : {1, 7, 16, 33, 5000}) {
    std::vector<float> row = random_row(n, 100 + n);
    if (n > 5) row[5] = std::numeric_limits<float>::quiet_NaN();  // never the max, never counted
    float reference_max = neg_inf;
    for (float x : row) reference_max = x > reference_max ? x : reference_max;
    CHECK(max_value(row.data(), static_cast<int64_t>(n)) == reference_max);
    int64_t first = -1;
    for (size_t i = 0; i < n && first < 0; ++i)
      if (row[i] == reference_max) first = static_cast<int64_t>(i);
    CHECK(first_index_of(row.data(), static_cast<int64_t>(n), reference_max) == first);
    int64_t greater = 0;
    for (float x : row) greater += x > 0.25f ? 1 : 0;
    CHECK(count_greater(row.data(), static_cast<int64_t>(n), 0.25f) == greater);
  }
  const std::vector<float> masked(40, neg_inf);
  CHECK(max_value(masked.data(), 40) == neg_inf);
  CHECK(max_value(masked.data(), 0) == neg_inf);
  CHECK(first_index_of(masked.data(), 40, 1.0f) == -1);
  std::vector<float> late(100, 0.0f);
  late[99] = 2.0f;
  late[98] = 2.0f;
  CHECK(first_index_of(late.data(), 100, 2.0f) == 98);
}
