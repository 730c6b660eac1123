// Dot kernels. References: (1) the scalar kernel against a double-precision dot of the dequantized weight
// row and the dequantized quantized activations (dequantize_row is itself bit-exact with gguf-py);
// (2) every SIMD level this CPU runs against the scalar kernel; (3) the quantized dot against the plain
// F32 dot of the unquantized values, within a per-format tolerance. Errors are measured relative to
// sum|w_i * a_i| (the scale of the rounding errors; a plain |dot| can cancel to near zero).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/dequantize.h"
#include "engine/backend/cpu/quant/fp16.h"
#include "engine/backend/cpu/quant/kernels.h"
#include "engine/backend/cpu/quant/quantize.h"

using namespace edgeserve;
using namespace edgeserve::quant;

namespace {

struct Operands {
  std::vector<float> w_original, a_original;  // before any quantization
  std::vector<uint8_t> w, act;                // weight row and activation row in their dtypes
  std::vector<float> w_dequant, a_dequant;    // what those bytes stand for
};

std::vector<float> random_floats(std::mt19937& rng, int64_t n, float sigma) {
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  return v;
}

// K-quant weights have no quantizer here: random bytes with finite, moderate f16 scales.
std::vector<uint8_t> random_k_blocks(std::mt19937& rng, DType dtype, int64_t n) {
  std::vector<uint8_t> bytes(row_nbytes(dtype, n));
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& b : bytes) b = static_cast<uint8_t>(byte(rng));
  std::uniform_real_distribution<float> scale(1e-3f, 2e-2f);
  const size_t block_bytes = dtype_info(dtype).block_bytes;
  for (size_t off = 0; off < bytes.size(); off += block_bytes) {
    const uint16_t d = fp32_to_fp16(scale(rng)), dmin = fp32_to_fp16(scale(rng));
    const size_t d_at = dtype == DType::Q6_K ? block_bytes - 2 : 0;
    std::memcpy(&bytes[off + d_at], &d, 2);
    if (dtype != DType::Q6_K) std::memcpy(&bytes[off + 2], &dmin, 2);
  }
  return bytes;
}

Operands make_operands(DType weight, int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  Operands op;
  if (weight == DType::Q4_K || weight == DType::Q5_K || weight == DType::Q6_K) {
    op.w = random_k_blocks(rng, weight, n);
    op.w_dequant.resize(static_cast<size_t>(n));
    dequantize_row(weight, op.w.data(), op.w_dequant.data(), n);
    op.w_original = op.w_dequant;
  } else {
    op.w_original = random_floats(rng, n, 0.05f);
    op.w.resize(row_nbytes(weight, n));
    quantize_row(weight, op.w_original.data(), op.w.data(), n);
    // GGUF files may hold -128 in Q8_0 weights (our quantizer never writes it): cover the SIMD sign trick
    if (weight == DType::Q8_0) reinterpret_cast<BlockQ8_0*>(op.w.data())[0].qs[3] = -128;
    op.w_dequant.resize(static_cast<size_t>(n));
    dequantize_row(weight, op.w.data(), op.w_dequant.data(), n);
    if (weight == DType::Q8_0) op.w_original[3] = op.w_dequant[3];  // the F32 dot sees the same weight
  }
  op.a_original = random_floats(rng, n, 1.0f);
  const DType act = activation_dtype(weight);
  op.act.resize(row_nbytes(act, n));
  quantize_row(act, op.a_original.data(), op.act.data(), n);
  op.a_dequant.resize(static_cast<size_t>(n));
  if (act == DType::Q8_K) {
    const auto* blocks = reinterpret_cast<const BlockQ8_K*>(op.act.data());
    for (int64_t i = 0; i < n; ++i) op.a_dequant[i] = blocks[i / kQK_K].d * blocks[i / kQK_K].qs[i % kQK_K];
  } else {
    dequantize_row(act, op.act.data(), op.a_dequant.data(), n);
  }
  return op;
}

struct DoubleDot { double dot = 0.0, abs_sum = 0.0; };

DoubleDot double_dot(const std::vector<float>& w, const std::vector<float>& a) {
  DoubleDot r;
  for (size_t i = 0; i < w.size(); ++i) {
    r.dot += static_cast<double>(w[i]) * a[i];
    r.abs_sum += std::fabs(static_cast<double>(w[i]) * a[i]);
  }
  return r;
}

std::vector<int64_t> lengths_for(DType weight) {
  if (weight == DType::F32 || weight == DType::F16 || weight == DType::BF16) return {1, 7, 33, 80, 1024, 3071};
  if (weight == DType::Q4_K || weight == DType::Q5_K || weight == DType::Q6_K) return {256, 768, 3072};
  return {32, 224, 1024, 3072};
}

// Tolerance of the quantized dot against the unquantized F32 dot, relative to sum|w*a|.
double format_tolerance(DType weight) {
  switch (weight) {
    case DType::F32: return 1e-6;
    case DType::F16: return 1e-3;
    case DType::BF16: return 5e-3;
    case DType::Q8_0: return 1e-2;
    case DType::Q5_0: case DType::Q5_1: return 5e-2;
    case DType::Q4_K: case DType::Q5_K: case DType::Q6_K: return 3e-3;  // weights exact here: Q8_K rounding only
    default: return 1e-1;  // 4-bit formats; the worst case is the 32-element row
  }
}

const std::vector<DType> kWeightTypes = {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1,
                                         DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::F32, DType::F16,
                                         DType::BF16};

}  // namespace

TEST_CASE("scalar dot equals dot(dequantize(w), dequantize(quantize(a)))", "[quant][vec_dot]") {
  const QuantKernels& scalar = quant_kernels_for(CpuIsa::Scalar);
  for (DType weight : kWeightTypes) {
    double worst = 0.0;
    for (int64_t n : lengths_for(weight)) {
      for (uint32_t seed = 1; seed <= 4; ++seed) {
        const Operands op = make_operands(weight, n, seed);
        float got = NAN;
        scalar.vec_dot(weight)(n, op.w.data(), op.act.data(), &got);
        const DoubleDot ref = double_dot(op.w_dequant, op.a_dequant);
        const double err = std::fabs(got - ref.dot) / ref.abs_sum;
        worst = std::max(worst, err);
        INFO(dtype_name(weight) << " n=" << n << " seed=" << seed << " got " << got << " ref " << ref.dot);
        REQUIRE(err <= 1e-4);
      }
    }
    std::printf("[vec_dot] scalar %-5s vs dequantized double dot: max rel err %.2e\n",
                std::string(dtype_name(weight)).c_str(), worst);
  }
}

TEST_CASE("every SIMD level equals the scalar kernel", "[quant][vec_dot][simd]") {
  const QuantKernels& scalar = quant_kernels_for(CpuIsa::Scalar);
  int num_levels = 0;
  for (CpuIsa isa : {CpuIsa::Avx2, CpuIsa::Avx512}) {
    if (!cpu_supports(isa)) {
      WARN("this CPU does not run " << cpu_isa_name(isa) << "; its kernels are not checked here");
      continue;
    }
    ++num_levels;
    const QuantKernels& simd = quant_kernels_for(isa);
    CHECK(simd.isa == isa);
    for (DType weight : kWeightTypes) {
      for (int64_t n : lengths_for(weight)) {
        for (uint32_t seed = 1; seed <= 4; ++seed) {
          const Operands op = make_operands(weight, n, seed);
          float want = NAN, got = NAN;
          scalar.vec_dot(weight)(n, op.w.data(), op.act.data(), &want);
          simd.vec_dot(weight)(n, op.w.data(), op.act.data(), &got);
          const double abs_sum = double_dot(op.w_dequant, op.a_dequant).abs_sum;
          INFO(cpu_isa_name(isa) << " " << dtype_name(weight) << " n=" << n << " seed=" << seed << " got "
                                 << got << " scalar " << want);
          REQUIRE(std::fabs(static_cast<double>(got) - want) <= 1e-5 * abs_sum);
        }
      }
    }
  }
  // the build machine has both levels; a CPU with neither would leave this test with nothing to check
  CHECK(num_levels >= 1);
}

TEST_CASE("quantized dot is close to the plain F32 dot", "[quant][vec_dot]") {
  const QuantKernels& kernels = quant_kernels();
  for (DType weight : kWeightTypes) {
    double worst = 0.0;
    for (int64_t n : lengths_for(weight)) {
      for (uint32_t seed = 1; seed <= 4; ++seed) {
        const Operands op = make_operands(weight, n, seed);
        float got = NAN;
        kernels.vec_dot(weight)(n, op.w.data(), op.act.data(), &got);
        const DoubleDot ref = double_dot(op.w_original, op.a_original);
        worst = std::max(worst, std::fabs(got - ref.dot) / ref.abs_sum);
      }
    }
    std::printf("[vec_dot] %s %-5s vs F32 dot: max err / sum|w*a| = %.2e (tolerance %.0e)\n",
                std::string(cpu_isa_name(kernels.isa)).c_str(), std::string(dtype_name(weight)).c_str(), worst,
                format_tolerance(weight));
    INFO(dtype_name(weight));
    CHECK(worst <= format_tolerance(weight));
  }
}

TEST_CASE("kernel tables: activation dtypes, lookup and the EDGESERVE_CPU_ISA choice", "[quant][kernels]") {
  CHECK(activation_dtype(DType::Q4_1) == DType::Q8_0);
  CHECK(activation_dtype(DType::Q6_K) == DType::Q8_K);
  CHECK(activation_dtype(DType::BF16) == DType::F32);
  CHECK_THROWS_AS(activation_dtype(DType::IQ2_XS), std::invalid_argument);
  CHECK_FALSE(has_vec_dot(DType::Q2_K));
  CHECK(quant_kernels().vec_dot(DType::Q2_K) == nullptr);
  for (DType weight : kWeightTypes) CHECK(quant_kernels().vec_dot(weight) != nullptr);

  // reference: the CPU's own feature flags and the environment this process started with
  CpuIsa expected = cpu_supports(CpuIsa::Avx512) ? CpuIsa::Avx512
                    : cpu_supports(CpuIsa::Avx2) ? CpuIsa::Avx2 : CpuIsa::Scalar;
  if (const char* env = std::getenv("EDGESERVE_CPU_ISA"); env != nullptr && *env != '\0') {
    const std::string name = env;
    const CpuIsa wanted = name == "scalar" ? CpuIsa::Scalar : name == "avx2" ? CpuIsa::Avx2 : CpuIsa::Avx512;
    if ((name == "scalar" || name == "avx2" || name == "avx512") && cpu_supports(wanted)) expected = wanted;
  }
  CHECK(quant_kernels().isa == expected);
}
