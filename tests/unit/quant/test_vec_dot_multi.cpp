// Multi-token dot kernels (QuantKernels::vec_dot_x4). Reference: the single-token kernel of the same ISA
// level (vec_dot) run on each token separately; the multi-token kernel must return exactly its floats
// (same integer block sums, same float accumulation order), for every level this CPU runs, on random
// rows with odd block counts, a Q8_0 weight of -128, strided activations and strided outputs.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/kernels.h"
#include "engine/backend/cpu/quant/quantize.h"

using namespace edgeserve;
using namespace edgeserve::quant;

namespace {

const DType kMultiWeightTypes[] = {DType::Q8_0, DType::Q4_0, DType::Q4_1};
// Block counts 1, 3, 5, 7, 11 (odd: the single-block tail of the AVX-512 pair walk), 32, 96.
const int64_t kLengths[] = {32, 96, 160, 224, 352, 1024, 3072};

std::vector<float> random_floats(std::mt19937& rng, int64_t n, float sigma) {
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  return v;
}

struct MultiOperands {
  std::vector<uint8_t> w;    // one weight row
  std::vector<uint8_t> act;  // kMultiTokens Q8_0 rows, act_stride bytes apart (padding between rows)
  size_t act_stride = 0;
};

MultiOperands make_multi_operands(DType weight, int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  MultiOperands op;
  const std::vector<float> w = random_floats(rng, n, 0.05f);
  op.w.resize(row_nbytes(weight, n));
  quantize_row(weight, w.data(), op.w.data(), n);
  if (weight == DType::Q8_0) {
    // GGUF files may hold -128 in Q8_0 weights (our quantizer never writes it): cover the sign trick
    auto* blocks = reinterpret_cast<BlockQ8_0*>(op.w.data());
    blocks[0].qs[3] = -128;
    blocks[n / kQK - 1].qs[kQK - 1] = -128;
  }
  const size_t row = row_nbytes(DType::Q8_0, n);
  op.act_stride = row + 6;  // not a multiple of the block size: rows must be found by the stride alone
  op.act.assign(op.act_stride * kMultiTokens, 0xab);
  for (int k = 0; k < kMultiTokens; ++k) {
    // tokens of different magnitudes, so that the per-token scales differ
    const std::vector<float> a = random_floats(rng, n, 0.25f + static_cast<float>(k));
    quantize_row(DType::Q8_0, a.data(), op.act.data() + k * op.act_stride, n);
  }
  return op;
}

}  // namespace

TEST_CASE("multi-token kernels equal the single-token kernel of their level exactly",
          "[quant][vec_dot][multi]") {
  int num_levels = 0;
  for (CpuIsa isa : {CpuIsa::Scalar, CpuIsa::Avx2, CpuIsa::Avx512}) {
    if (!cpu_supports(isa)) {
      WARN("this CPU does not run " << cpu_isa_name(isa) << "; its multi-token kernels are not checked here");
      continue;
    }
    ++num_levels;
    const QuantKernels& kernels = quant_kernels_for(isa);
    for (DType weight : kMultiWeightTypes) {
      const VecDotFn single = kernels.vec_dot(weight);
      const VecDotX4Fn multi = kernels.vec_dot_x4(weight);
      INFO(cpu_isa_name(isa) << " " << dtype_name(weight));
      REQUIRE(single != nullptr);
      if (kernels.vec_dot_rows(weight) != nullptr) {  // rows and tile kernels instead (test_vec_dot_tile)
        REQUIRE(multi == nullptr);
        continue;
      }
      REQUIRE(multi != nullptr);
      for (int64_t n : kLengths) {
        for (uint32_t seed = 1; seed <= 3; ++seed) {
          const MultiOperands op = make_multi_operands(weight, n, seed);
          constexpr size_t kOutStride = 3;  // outputs interleaved with sentinels that must stay untouched
          std::vector<float> got(kOutStride * kMultiTokens, -7.5f);
          multi(n, op.w.data(), op.act.data(), op.act_stride, got.data(), kOutStride);
          for (int k = 0; k < kMultiTokens; ++k) {
            float want = NAN;
            single(n, op.w.data(), op.act.data() + k * op.act_stride, &want);
            INFO("n=" << n << " seed=" << seed << " token " << k << " multi " << got[k * kOutStride]
                      << " single " << want);
            REQUIRE(std::isfinite(want));
            CHECK(got[k * kOutStride] == want);
            CHECK(got[k * kOutStride + 1] == -7.5f);
            CHECK(got[k * kOutStride + 2] == -7.5f);
          }
        }
      }
    }
  }
  CHECK(num_levels >= 1);
}

TEST_CASE("multi-token kernel lookup: Q8_0/Q4_0/Q4_1 (Q4_1 only at AVX-512), none for the other dtypes",
          "[quant][kernels][multi]") {
  for (CpuIsa isa : {CpuIsa::Scalar, CpuIsa::Avx2, CpuIsa::Avx512}) {
    if (!cpu_supports(isa)) continue;
    const QuantKernels& kernels = quant_kernels_for(isa);
    INFO(cpu_isa_name(isa));
    CHECK(kernels.vec_dot_x4(DType::Q8_0) == kernels.vec_dot_x4_q8_0_q8);
    CHECK(kernels.vec_dot_x4(DType::Q4_0) == kernels.vec_dot_x4_q4_0_q8);
    CHECK(kernels.vec_dot_x4(DType::Q4_1) == kernels.vec_dot_x4_q4_1_q8);
    const bool rows_kernels = isa == CpuIsa::Avx512;  // Q8_0 / Q4_0 there go through rows and tile kernels
    CHECK((kernels.vec_dot_x4(DType::Q8_0) == nullptr) == rows_kernels);
    CHECK((kernels.vec_dot_x4(DType::Q4_0) == nullptr) == rows_kernels);
    CHECK(kernels.vec_dot_x4(DType::Q4_1) != nullptr);
    for (DType other : {DType::Q5_0, DType::Q5_1, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::F32,
                        DType::F16, DType::BF16}) {
      INFO(dtype_name(other));
      CHECK(kernels.vec_dot_x4(other) == nullptr);
    }
  }
  // the selected table (EDGESERVE_CPU_ISA or the best level) has them too
  CHECK(quant_kernels().vec_dot_x4(DType::Q4_1) != nullptr);
}
