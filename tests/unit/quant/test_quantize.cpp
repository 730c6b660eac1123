// Quantizers against gguf-py's gguf.quants.quantize: the same bytes for Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, F16
// and BF16 on the fixture inputs (tests/fixtures/quant). Q8_K (no gguf-py quantizer) against its
// definition: d = amax / 127, |x - d*q| <= d/2, bsums = sums of 16.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/quantize.h"
#include "tests/unit/quant/quant_fixtures.h"

using namespace edgeserve;
using namespace edgeserve::quant;

TEST_CASE("quantize_row gives gguf.quants.quantize's bytes", "[quant][quantize]") {
  int num_checked = 0;
  for (const auto& c : test::load_quant_cases()) {
    if (c.input.empty()) continue;
    INFO("case " << c.name << " (" << dtype_name(c.dtype) << ")");
    REQUIRE(can_quantize(c.dtype));
    std::vector<uint8_t> got(c.blocks.size(), 0xAA);
    quantize_row(c.dtype, c.input.data(), got.data(), c.num_elements);
    size_t first_bad = got.size();
    for (size_t i = 0; i < got.size(); ++i) {
      if (got[i] != c.blocks[i]) { first_bad = i; break; }
    }
    INFO("first differing byte " << first_bad << " of " << got.size());
    CHECK(first_bad == got.size());
    ++num_checked;
  }
  CHECK(num_checked == 7);  // Q8_0 Q4_0 Q4_1 Q5_0 Q5_1 F16 BF16
}

TEST_CASE("the named quantizers are the ones quantize_row dispatches to", "[quant][quantize]") {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(64);
  for (auto& v : x) v = dist(rng);
  std::vector<uint8_t> a(256), b(256);
  quantize_row_q8_0(x.data(), a.data(), 64);
  quantize_row(DType::Q8_0, x.data(), b.data(), 64);
  CHECK(std::equal(a.begin(), a.begin() + 68, b.begin()));
  quantize_row_q4_0(x.data(), a.data(), 64);
  quantize_row(DType::Q4_0, x.data(), b.data(), 64);
  CHECK(std::equal(a.begin(), a.begin() + 36, b.begin()));
}

TEST_CASE("quantize_row_q8_k keeps every value within half a step and sums its groups", "[quant][quantize]") {
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> x(2 * kQK_K);
  for (auto& v : x) v = dist(rng);
  for (int j = kQK_K; j < 2 * kQK_K; ++j) x[j] = 0.0f;  // an all-zero block: d = 0, all q = 0
  std::vector<BlockQ8_K> y(2);
  quantize_row_q8_k(x.data(), y.data(), 2 * kQK_K);
  float amax = 0.0f;
  for (int j = 0; j < kQK_K; ++j) amax = std::max(amax, std::fabs(x[j]));
  CHECK(y[0].d == Approx(amax / 127.0f).epsilon(1e-6));
  for (int j = 0; j < kQK_K; ++j) {
    INFO("element " << j);
    REQUIRE(std::fabs(x[j] - y[0].d * y[0].qs[j]) <= 0.5001f * y[0].d);
    REQUIRE(y[0].qs[j] >= -127);
  }
  for (int g = 0; g < kQK_K / 16; ++g) {
    int sum = 0;
    for (int j = 0; j < 16; ++j) sum += y[0].qs[16 * g + j];
    CHECK(y[0].bsums[g] == sum);
    CHECK(y[1].bsums[g] == 0);
  }
  CHECK(y[1].d == 0.0f);
}

TEST_CASE("quantize_row rejects formats without a quantizer and partial blocks", "[quant][quantize]") {
  std::vector<float> x(64, 1.0f);
  std::vector<uint8_t> out(1024);
  CHECK_THROWS_AS(quantize_row(DType::Q4_K, x.data(), out.data(), 256), std::invalid_argument);
  CHECK_THROWS_AS(quantize_row(DType::Q8_0, x.data(), out.data(), 40), std::invalid_argument);
  CHECK_FALSE(can_quantize(DType::Q6_K));
}
