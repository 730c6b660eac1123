// QuantKernels::quantize_act_q8_0, the per-step activation quantizer. Reference: quantize_row_q8_0
// (quantize.cpp, which matches gguf-py byte for byte); every level's quantizer must write the same bytes,
// for random rows over many magnitudes, exact half-way products (round half away from zero), all-zero
// blocks, tiny blocks whose inverse scale overflows to inf, and blocks holding inf or NaN.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "engine/backend/cpu/quant/kernels.h"
#include "engine/backend/cpu/quant/quantize.h"

using namespace edgeserve;
using namespace edgeserve::quant;

namespace {

std::vector<float> activation_rows(int64_t n) {
  std::mt19937 rng(17);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t b = 0; b < n / 32; ++b) {
    float* block = x.data() + b * 32;
    const int kind = static_cast<int>(b % 8);
    std::normal_distribution<float> dist(0.0f, std::ldexp(1.0f, static_cast<int>(b % 41) - 20));
    for (int j = 0; j < 32; ++j) block[j] = dist(rng);
    if (kind == 1) {  // amax 127: d = 1, id = 1, so k + 0.5 values are exact ties
      for (int j = 0; j < 32; ++j) block[j] = static_cast<float>(j - 16) + 0.5f;
      block[31] = 127.0f;
    } else if (kind == 2) {
      for (int j = 0; j < 32; ++j) block[j] = 0.0f;
      block[5] = -0.0f;
    } else if (kind == 3) {  // subnormal amax / 127: 1 / d overflows to inf
      for (int j = 0; j < 32; ++j) block[j] = std::ldexp(static_cast<float>(j % 5) - 2.0f, -140);
    } else if (kind == 4 && b % 16 == 4) {
      block[7] = std::numeric_limits<float>::infinity();
    } else if (kind == 4) {
      block[9] = std::numeric_limits<float>::quiet_NaN();
      block[0] = -std::numeric_limits<float>::quiet_NaN();
    } else if (kind == 5) {  // negative extreme and ties on the negative side
      for (int j = 0; j < 32; ++j) block[j] = -static_cast<float>(j) * 2.5f;
    }
  }
  return x;
}

}  // namespace

TEST_CASE("activation quantizer of every level writes the reference Q8_0 bytes", "[quant][quantize]") {
  const int64_t n = 32 * 400;
  const std::vector<float> x = activation_rows(n);
  std::vector<uint8_t> want(row_nbytes(DType::Q8_0, n));
  quantize_row_q8_0(x.data(), want.data(), n);
  int num_levels = 0;
  for (CpuIsa isa : {CpuIsa::Scalar, CpuIsa::Avx2, CpuIsa::Avx512}) {
    if (!cpu_supports(isa)) continue;
    ++num_levels;
    const QuantKernels& kernels = quant_kernels_for(isa);
    REQUIRE(kernels.quantize_act_q8_0 != nullptr);
    std::vector<uint8_t> got(want.size() + 8, 0xee);
    kernels.quantize_act_q8_0(x.data(), got.data(), n);
    for (size_t i = 0; i < want.size(); ++i) {
      INFO(cpu_isa_name(isa) << " byte " << i << " (block " << i / 34 << ")");
      REQUIRE(static_cast<int>(got[i]) == static_cast<int>(want[i]));
    }
    for (size_t i = want.size(); i < got.size(); ++i) REQUIRE(got[i] == 0xee);  // nothing past the row
  }
  CHECK(num_levels >= 1);
}
