// CpuBackend::linear with ActivationPrecision::kF32 on the GGUF block formats (f32_activation_linear.h).
// References: a double dot product over the reference dequantizer's floats (quant::dequantize_row, bit-exact
// with gguf-py), and the backend's own dequantize-then-F32 mode; tolerance 1e-5 relative to
// sum_k |x_k w_k| (F32 accumulation in another order). Batch invariance is checked bit for bit against the
// same backend on a one-token batch. Every ISA level this CPU has is exercised (set_isa_level).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/isa.h"
#include "engine/backend/cpu/quant/dequantize.h"
#include "engine/backend/cpu/quant/fp16.h"
#include "engine/backend/cpu/quant/quantize.h"
#include "tests/unit/cpu_backend/test_helpers.h"

using namespace edgeserve;
using edgeserve::cpu::ActivationPrecision;
using edgeserve::cpu::IsaLevel;

namespace {

constexpr DType kFormats[] = {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0,
                              DType::Q5_1, DType::Q4_K, DType::Q5_K, DType::Q6_K};

struct LevelGuard {  // restores the detected level after a test changed it
  ~LevelGuard() { cpu::set_isa_level(cpu::detected_isa_level()); }
};

std::vector<IsaLevel> levels() {
  std::vector<IsaLevel> result;
  for (IsaLevel l : {IsaLevel::kScalar, IsaLevel::kAvx2, IsaLevel::kAvx512})
    if (l <= cpu::detected_isa_level()) result.push_back(l);
  return result;
}

// [out, in] weights in `dtype`: quantized from random floats where we have a quantizer (gguf-py's bytes),
// otherwise (K-quants) random bytes with every block's F16 scales set to moderate values.
std::vector<uint8_t> random_weights(DType dtype, int64_t out, int64_t in, uint32_t seed) {
  const size_t row_bytes = row_nbytes(dtype, in);
  std::vector<uint8_t> bytes(row_bytes * static_cast<size_t>(out));
  if (quant::can_quantize(dtype)) {
    const auto w = test::random_floats(static_cast<size_t>(out * in), seed);
    for (int64_t o = 0; o < out; ++o) quant::quantize_row(dtype, w.data() + o * in, bytes.data() + o * row_bytes, in);
    return bytes;
  }
  std::mt19937 rng(seed);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  const size_t block_bytes = dtype_info(dtype).block_bytes;
  std::uniform_real_distribution<float> scale(0.001f, 0.02f);
  for (size_t block = 0; block < bytes.size(); block += block_bytes) {
    // Q4_K / Q5_K: d, dmin at bytes 0..3; Q6_K: d in its last 2 bytes
    const std::vector<size_t> fields = dtype == DType::Q6_K ? std::vector<size_t>{block_bytes - 2} : std::vector<size_t>{0, 2};
    for (size_t f : fields) {
      const uint16_t h = quant::fp32_to_fp16(scale(rng));
      std::memcpy(bytes.data() + block + f, &h, 2);
    }
  }
  return bytes;
}

std::vector<float> run_linear(cpu::CpuBackend& backend, const Weight& weight, const std::vector<float>& x,
                              int64_t first, int64_t count, int64_t in, int64_t out) {
  const std::vector<float> rows(x.begin() + first * in, x.begin() + (first + count) * in);
  DeviceBuffer x_buf = test::upload(backend, rows, {count, in});
  DeviceBuffer y_buf = backend.allocate(DType::F32, std::vector<int64_t>{count, out});
  backend.linear(x_buf.tensor(), weight, nullptr, y_buf.tensor());
  return test::download(backend, y_buf);
}

}  // namespace

TEST_CASE("F32-activation linear matches F32 math on the dequantized weights for every block format and level", "[cpu_backend][linear][f32act]") {
  LevelGuard guard;
  const int64_t in = 768, out = 37, tokens = 11;  // 3 K-quant super-blocks; 8 + 3 and 4 + 4 + 3 token groups
  const auto x = test::random_floats(static_cast<size_t>(tokens * in), 41);
  for (DType dtype : kFormats) {
    const auto w_bytes = random_weights(dtype, out, in, 42);
    std::vector<float> w(static_cast<size_t>(out * in));
    for (int64_t o = 0; o < out; ++o)
      quant::dequantize_row(dtype, w_bytes.data() + o * row_nbytes(dtype, in), w.data() + o * in, in);
    for (IsaLevel level : levels()) {
      REQUIRE(cpu::set_isa_level(level) == level);
      // AVX2 and AVX-512 have their own kernels (else the reference itself would be compared with itself)
      REQUIRE((cpu::find_f32_activation_kernel(dtype, level) != nullptr) == (level != IsaLevel::kScalar));
      cpu::CpuBackend backend(2);
      const Weight weight = backend.prepare_weight(test::make_view("w", dtype, {out, in}, w_bytes));
      backend.set_dequantize_reference(true);
      const auto reference_mode = run_linear(backend, weight, x, 0, tokens, in, out);
      backend.set_dequantize_reference(false);
      backend.set_activation_precision(ActivationPrecision::kF32);
      const auto y = run_linear(backend, weight, x, 0, tokens, in, out);
      double worst = 0;
      for (int64_t t = 0; t < tokens; ++t)
        for (int64_t o = 0; o < out; ++o) {
          double ref = 0, magnitude = 0;
          for (int64_t k = 0; k < in; ++k) {
            const double p = static_cast<double>(x[t * in + k]) * w[o * in + k];
            ref += p;
            magnitude += std::fabs(p);
          }
          const size_t i = static_cast<size_t>(t * out + o);
          INFO(dtype_name(dtype) << " at " << cpu::isa_level_name(level) << " t=" << t << " o=" << o);
          REQUIRE(std::fabs(y[i] - ref) <= 1e-5 * magnitude);
          REQUIRE(std::fabs(y[i] - reference_mode[i]) <= 1e-5 * magnitude);
          worst = std::max(worst, std::fabs(y[i] - ref) / magnitude);
        }
      // The scalar level has no F32-activation kernel: it runs the reference itself, bit for bit.
      if (level == IsaLevel::kScalar) REQUIRE(y == reference_mode);
      INFO(dtype_name(dtype) << " " << cpu::isa_level_name(level) << ": worst error / sum|x w| = " << worst);
      CHECK(worst < 1e-6);
    }
  }
}

TEST_CASE("F32-activation linear gives a token bitwise the same output alone or in any batch and thread count", "[cpu_backend][linear][f32act]") {
  // Reference: the same backend on a one-token batch (continuous batching must not change a sequence's
  // tokens). 21 tokens = AVX-512 groups of 8 + 8 + 5, AVX2 groups of 4 x 5 + 1; tokens 3..14 as a batch of
  // 12 sit at other places in their groups.
  LevelGuard guard;
  const int64_t in = 512, out = 45, tokens = 21;
  const auto x = test::random_floats(static_cast<size_t>(tokens * in), 51);
  for (DType dtype : kFormats) {
    const auto w_bytes = random_weights(dtype, out, in, 52);
    for (IsaLevel level : levels()) {
      REQUIRE(cpu::set_isa_level(level) == level);
      for (int threads : {1, 3}) {
        cpu::CpuBackend backend(threads);
        backend.set_activation_precision(ActivationPrecision::kF32);
        const Weight weight = backend.prepare_weight(test::make_view("w", dtype, {out, in}, w_bytes));
        const auto batch = run_linear(backend, weight, x, 0, tokens, in, out);
        const auto middle = run_linear(backend, weight, x, 3, 12, in, out);
        for (int64_t t = 0; t < tokens; ++t) {
          const auto alone = run_linear(backend, weight, x, t, 1, in, out);
          for (int64_t o = 0; o < out; ++o) {
            INFO(dtype_name(dtype) << " at " << cpu::isa_level_name(level) << " threads " << threads << " t=" << t
                                   << " o=" << o);
            REQUIRE(std::isfinite(alone[o]));
            REQUIRE(alone[o] == batch[t * out + o]);
            if (t >= 3 && t < 15) REQUIRE(alone[o] == middle[(t - 3) * out + o]);
          }
        }
      }
    }
  }
}

TEST_CASE("activation precision: int8 by default, F32 on request, plain float weights unaffected", "[cpu_backend][linear][f32act]") {
  // Reference: the dequantize-then-F32 mode. Int8 activations leave a visible error on Q8_0 weights; F32
  // activations do not; F32 weights take the same kernel in both precisions (bitwise equal).
  const int64_t in = 256, out = 16, tokens = 3;
  const auto x = test::random_floats(static_cast<size_t>(tokens * in), 61);
  cpu::CpuBackend backend(2);
  REQUIRE(backend.activation_precision() == ActivationPrecision::kInt8);
  const auto q_bytes = random_weights(DType::Q8_0, out, in, 62);
  const Weight q = backend.prepare_weight(test::make_view("q", DType::Q8_0, {out, in}, q_bytes));
  backend.set_dequantize_reference(true);
  const auto reference = run_linear(backend, q, x, 0, tokens, in, out);
  backend.set_dequantize_reference(false);
  const auto int8 = run_linear(backend, q, x, 0, tokens, in, out);
  backend.set_activation_precision(ActivationPrecision::kF32);
  REQUIRE(backend.activation_precision() == ActivationPrecision::kF32);
  const auto f32 = run_linear(backend, q, x, 0, tokens, in, out);
  double int8_error = 0, f32_error = 0;
  for (size_t i = 0; i < reference.size(); ++i) {
    int8_error = std::max(int8_error, static_cast<double>(std::fabs(int8[i] - reference[i])));
    f32_error = std::max(f32_error, static_cast<double>(std::fabs(f32[i] - reference[i])));
  }
  CHECK(int8_error > 1e-4);
  CHECK(f32_error < 1e-5);

  auto f_values = test::random_floats(static_cast<size_t>(out * in), 63);
  const auto f_bytes = test::encode(f_values, DType::F32);
  const Weight f = backend.prepare_weight(test::make_view("f", DType::F32, {out, in}, f_bytes));
  const auto f_f32 = run_linear(backend, f, x, 0, tokens, in, out);
  backend.set_activation_precision(ActivationPrecision::kInt8);
  CHECK(run_linear(backend, f, x, 0, tokens, in, out) == f_f32);
}
