// linear y = x W^T (+ bias) for F32 / F16 / BF16 weights at every ISA level this CPU has, against a double
// dot product written here over the exact weight values the kernel reads. Tolerances (relative to
// sum_k |x_k w_k|): 1e-5 for F32-accumulating paths (scalar, AVX2, AVX-512; rounding of a float sum of up
// to ~1000 terms), 4e-3 for AVX512-BF16 (activations rounded to BF16 before vdpbf16ps: half an ulp of 8 significant
// bits is 2^-8 = 3.9e-3 relative).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/isa.h"
#include "engine/backend/cpu/linear_kernel.h"
#include "engine/backend/cpu/quant/kernels.h"
#include "engine/backend/cpu/quant/quantize.h"
#include "engine/backend/cpu/row_dequantizer.h"
#include "tests/unit/cpu_backend/test_helpers.h"

using namespace edgeserve;
using edgeserve::cpu::IsaLevel;

namespace {

double tolerance_for(IsaLevel level, DType dtype) {
  return (level == IsaLevel::kAvx512Bf16 && dtype == DType::BF16) ? 4e-3 : 1e-5;
}

std::vector<IsaLevel> available_levels() {
  std::vector<IsaLevel> levels;
  for (IsaLevel l : {IsaLevel::kScalar, IsaLevel::kAvx2, IsaLevel::kAvx512, IsaLevel::kAvx512Bf16})
    if (l <= cpu::detected_isa_level()) levels.push_back(l);
  return levels;
}

struct LevelGuard {  // restores the detected level after a test changed it
  ~LevelGuard() { cpu::set_isa_level(cpu::detected_isa_level()); }
};

// Runs linear on the backend and checks every output against the double reference; returns max error ratio.
double check_linear(cpu::CpuBackend& backend, DType dtype, int64_t tokens, int64_t in, int64_t out, bool with_bias,
                    uint32_t seed, double tol) {
  std::vector<float> x = test::random_floats(static_cast<size_t>(tokens * in), seed);
  std::vector<float> w = test::random_floats(static_cast<size_t>(out * in), seed + 1);
  std::vector<float> bias = test::random_floats(static_cast<size_t>(out), seed + 2);
  const std::vector<uint8_t> w_bytes = test::encode(w, dtype);
  const std::vector<uint8_t> bias_bytes = test::encode(bias, DType::F32);
  const Weight weight = backend.prepare_weight(test::make_view("w", dtype, {out, in}, w_bytes));
  const Weight bias_weight = backend.prepare_weight(test::make_view("b", DType::F32, {out}, bias_bytes));
  DeviceBuffer x_buf = test::upload(backend, x, {tokens, in});
  DeviceBuffer y_buf = backend.allocate(DType::F32, std::vector<int64_t>{tokens, out});
  backend.linear(x_buf.tensor(), weight, with_bias ? &bias_weight : nullptr, y_buf.tensor());
  const std::vector<float> y = test::download(backend, y_buf);
  double worst = 0.0;
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t o = 0; o < out; ++o) {
      double ref = with_bias ? bias[o] : 0.0, magnitude = with_bias ? std::fabs(bias[o]) : 0.0;
      for (int64_t k = 0; k < in; ++k) {
        ref += static_cast<double>(x[t * in + k]) * w[o * in + k];
        magnitude += std::fabs(static_cast<double>(x[t * in + k]) * w[o * in + k]);
      }
      const double err = std::fabs(y[t * out + o] - ref);
      worst = std::max(worst, err / (magnitude + 1e-30));
      if (err > tol * magnitude + 1e-7) {  // report the first bad element only (keeps the test fast)
        INFO("dtype " << dtype_name(dtype) << " T=" << tokens << " in=" << in << " out=" << out << " t=" << t
                      << " o=" << o << " y=" << y[t * out + o] << " ref=" << ref);
        REQUIRE(err <= tol * magnitude + 1e-7);
      }
    }
  }
  CHECK(worst <= tol + 1e-7);
  return worst;
}

}  // namespace

TEST_CASE("linear matches a double reference for every weight dtype - ISA level and odd shape", "[cpu_backend][linear]") {
  LevelGuard guard;
  for (int threads : {1, 3}) {
    cpu::CpuBackend backend(threads);
    for (IsaLevel level : available_levels()) {
      REQUIRE(cpu::set_isa_level(level) == level);
      for (DType dtype : {DType::F32, DType::F16, DType::BF16}) {
        uint32_t seed = 100;
        for (int64_t tokens : {1, 2, 5, 17})
          for (int64_t in : {1, 7, 16, 31, 33, 100, 257})
            for (int64_t out : {1, 3, 16, 37})
              check_linear(backend, dtype, tokens, in, out, false, seed++, tolerance_for(level, dtype));
      }
    }
  }
}

TEST_CASE("linear with bias (Qwen2 qkv) and a layer-sized shape", "[cpu_backend][linear]") {
  LevelGuard guard;
  cpu::CpuBackend backend(2);
  for (IsaLevel level : available_levels()) {
    cpu::set_isa_level(level);
    for (DType dtype : {DType::F32, DType::BF16}) {
      check_linear(backend, dtype, 3, 96, 40, true, 7, tolerance_for(level, dtype));
      check_linear(backend, dtype, 70, 576, 200, false, 8, tolerance_for(level, dtype));
    }
  }
}

TEST_CASE("each SIMD level agrees with the scalar kernel", "[cpu_backend][linear]") {
  LevelGuard guard;
  cpu::CpuBackend backend(2);
  const int64_t tokens = 9, in = 333, out = 45;
  std::vector<float> x = test::random_floats(static_cast<size_t>(tokens * in), 5);
  for (DType dtype : {DType::F32, DType::F16, DType::BF16}) {
    std::vector<float> w = test::random_floats(static_cast<size_t>(out * in), 6);
    const std::vector<uint8_t> w_bytes = test::encode(w, dtype);
    const Weight weight = backend.prepare_weight(test::make_view("w", dtype, {out, in}, w_bytes));
    DeviceBuffer x_buf = test::upload(backend, x, {tokens, in});
    DeviceBuffer y_buf = backend.allocate(DType::F32, std::vector<int64_t>{tokens, out});
    cpu::set_isa_level(IsaLevel::kScalar);
    backend.linear(x_buf.tensor(), weight, nullptr, y_buf.tensor());
    const std::vector<float> scalar = test::download(backend, y_buf);
    for (IsaLevel level : available_levels()) {
      cpu::set_isa_level(level);
      backend.linear(x_buf.tensor(), weight, nullptr, y_buf.tensor());
      const std::vector<float> y = test::download(backend, y_buf);
      for (int64_t t = 0; t < tokens; ++t)
        for (int64_t o = 0; o < out; ++o) {
          double magnitude = 0.0;
          for (int64_t k = 0; k < in; ++k) magnitude += std::fabs(static_cast<double>(x[t * in + k]) * w[o * in + k]);
          const double err = std::fabs(y[t * out + o] - scalar[t * out + o]);
          if (err > 2 * tolerance_for(level, dtype) * magnitude) {
            INFO(cpu::isa_level_name(level) << " " << dtype_name(dtype) << " t=" << t << " o=" << o);
            REQUIRE(err <= 2 * tolerance_for(level, dtype) * magnitude);
          }
        }
    }
  }
}

TEST_CASE("prepare_weight rejects dtypes and shapes no kernel handles - naming the tensor", "[cpu_backend][linear]") {
  cpu::CpuBackend backend(1);
  std::vector<uint8_t> bytes(64);
  REQUIRE_THROWS_WITH(backend.prepare_weight(test::make_view("blk.0.ffn_up.weight", DType::I32, {4, 4}, bytes)),
                      Catch::Contains("blk.0.ffn_up.weight") && Catch::Contains("I32"));
  REQUIRE_THROWS_WITH(backend.prepare_weight(test::make_view("norm", DType::Q8_0, {32}, bytes)),
                      Catch::Contains("norm") && Catch::Contains("Q8_0"));
  REQUIRE_THROWS_WITH(backend.prepare_weight(test::make_view("t", DType::F32, {2, 2, 4}, bytes)),
                      Catch::Contains("'t'") && Catch::Contains("[2, 2, 4]"));
}

namespace {

// A test-only kernel for I8 weights: activations are "prepared" (scaled by 2 into scratch) so the test sees
// that prepare_activations runs over every token before compute, as a quantized format's kernel will.
size_t i8_prepared_bytes(int64_t num_tokens, int64_t in) { return static_cast<size_t>(num_tokens * in) * sizeof(float); }
void i8_prepare(const float* x, int64_t in, int64_t token_begin, int64_t token_end, void* scratch) {
  for (int64_t i = token_begin * in; i < token_end * in; ++i) static_cast<float*>(scratch)[i] = 2.0f * x[i];
}
void i8_compute(const cpu::LinearArgs& a, int64_t out_begin, int64_t out_end) {
  const float* x2 = static_cast<const float*>(a.x_prepared);
  for (int64_t o = out_begin; o < out_end; ++o)
    for (int64_t t = 0; t < a.num_tokens; ++t) {
      float sum = 0.0f;
      for (int64_t k = 0; k < a.in; ++k)
        sum += x2[t * a.in + k] * static_cast<float>(static_cast<int8_t>(a.w[o * a.w_row_bytes + k]));
      a.y[t * a.out + o] = 0.5f * sum;
    }
}

}  // namespace

TEST_CASE("a kernel registered for a new dtype is found by prepare_weight and run by linear", "[cpu_backend][linear]") {
  cpu::register_linear_kernel(DType::I8, IsaLevel::kScalar, cpu::LinearKernel{&i8_prepared_bytes, &i8_prepare, &i8_compute, 8});
  REQUIRE(cpu::find_linear_kernel(DType::I8, cpu::detected_isa_level()) != nullptr);  // found from any level
  cpu::CpuBackend backend(3);
  const int64_t tokens = 5, in = 13, out = 21;
  std::vector<uint8_t> w_bytes(static_cast<size_t>(out * in));
  for (size_t i = 0; i < w_bytes.size(); ++i) w_bytes[i] = static_cast<uint8_t>(static_cast<int8_t>(i % 11) - 5);
  const Weight weight = backend.prepare_weight(test::make_view("w", DType::I8, {out, in}, w_bytes));
  const auto x = test::random_floats(static_cast<size_t>(tokens * in), 9);
  DeviceBuffer x_buf = test::upload(backend, x, {tokens, in});
  DeviceBuffer y_buf = backend.allocate(DType::F32, std::vector<int64_t>{tokens, out});
  backend.linear(x_buf.tensor(), weight, nullptr, y_buf.tensor());
  const auto y = test::download(backend, y_buf);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t o = 0; o < out; ++o) {
      double ref = 0.0;
      for (int64_t k = 0; k < in; ++k) ref += static_cast<double>(x[t * in + k]) * static_cast<int8_t>(w_bytes[o * in + k]);
      REQUIRE(y[t * out + o] == Approx(ref).margin(1e-5));
    }
}

TEST_CASE("DeviceBuffer frees once through its backend and moves ownership", "[cpu_backend]") {
  cpu::CpuBackend backend(1);
  DeviceBuffer a = backend.allocate(DType::F16, std::vector<int64_t>{3, 5});
  REQUIRE(a.tensor().nbytes() == 30);
  REQUIRE(a.tensor().rows() == 3);
  REQUIRE(a.tensor().cols() == 5);
  const void* data = a.tensor().data;
  DeviceBuffer b = std::move(a);
  REQUIRE(a.empty());
  REQUIRE(b.tensor().data == data);
  DeviceBuffer c = backend.allocate(DType::F32, std::vector<int64_t>{2});
  c = std::move(b);  // c's old memory freed (ASan build checks no leak / double free)
  REQUIRE(c.tensor().data == data);
  REQUIRE(backend.name().find("cpu(") == 0);
}

TEST_CASE("linear gives a token bitwise the same output alone or in a batch at every level and thread count", "[cpu_backend][linear]") {
  // Reference: the same backend on a one-token batch. Greedy outputs alone vs batched rely on this.
  LevelGuard guard;
  const int64_t tokens = 7, in = 203, out = 45;
  const auto x = test::random_floats(static_cast<size_t>(tokens * in), 21);
  for (DType dtype : {DType::F32, DType::F16, DType::BF16}) {
    std::vector<float> w = test::random_floats(static_cast<size_t>(out * in), 22);
    const std::vector<uint8_t> w_bytes = test::encode(w, dtype);
    for (IsaLevel level : available_levels()) {
      cpu::set_isa_level(level);
      for (int threads : {1, 3}) {
        cpu::CpuBackend backend(threads);
        const Weight weight = backend.prepare_weight(test::make_view("w", dtype, {out, in}, w_bytes));
        DeviceBuffer x_buf = test::upload(backend, x, {tokens, in});
        DeviceBuffer y_buf = backend.allocate(DType::F32, std::vector<int64_t>{tokens, out});
        backend.linear(x_buf.tensor(), weight, nullptr, y_buf.tensor());
        const auto batched = test::download(backend, y_buf);
        for (int64_t t = 0; t < tokens; ++t) {
          const std::vector<float> row(x.begin() + t * in, x.begin() + (t + 1) * in);
          DeviceBuffer one_x = test::upload(backend, row, {1, in});
          DeviceBuffer one_y = backend.allocate(DType::F32, std::vector<int64_t>{1, out});
          backend.linear(one_x.tensor(), weight, nullptr, one_y.tensor());
          const auto alone = test::download(backend, one_y);
          for (int64_t o = 0; o < out; ++o) {
            INFO(cpu::isa_level_name(level) << " " << dtype_name(dtype) << " threads " << threads << " t=" << t);
            REQUIRE(alone[o] == batched[t * out + o]);
          }
        }
      }
    }
  }
}

TEST_CASE("quantized linear gives a token bitwise the same output alone or in any batch and thread count", "[cpu_backend][linear]") {
  // Reference: the same backend on a one-token batch. Batched decode of many sequences (continuous
  // batching) must not change any sequence's greedy tokens. 37 tokens = two full activation tiles + 5
  // (multi-token and single-token kernels); a 16-token batch takes the tile path alone. The quant kernels'
  // ISA level is fixed per process (EDGESERVE_CPU_ISA selects it; ctest runs the suite at each level).
  const int64_t in = 320, out = 45;  // 10 blocks (tail of 2 in the block-pair walk), an odd row count
  const auto x = test::random_floats(static_cast<size_t>(37 * in), 31);
  const auto w = test::random_floats(static_cast<size_t>(out * in), 32);
  INFO("quant kernels: " << quant::cpu_isa_name(quant::quant_kernels().isa));
  for (DType dtype : {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0}) {
    std::vector<uint8_t> w_bytes(row_nbytes(dtype, in) * out);
    for (int64_t o = 0; o < out; ++o)
      quant::quantize_row(dtype, w.data() + o * in, w_bytes.data() + o * row_nbytes(dtype, in), in);
    for (int threads : {1, 3}) {
      cpu::CpuBackend backend(threads);
      const Weight weight = backend.prepare_weight(test::make_view("w", dtype, {out, in}, w_bytes));
      const auto run = [&](int64_t first, int64_t count) {
        const std::vector<float> rows(x.begin() + first * in, x.begin() + (first + count) * in);
        DeviceBuffer x_buf = test::upload(backend, rows, {count, in});
        DeviceBuffer y_buf = backend.allocate(DType::F32, std::vector<int64_t>{count, out});
        backend.linear(x_buf.tensor(), weight, nullptr, y_buf.tensor());
        return test::download(backend, y_buf);
      };
      const auto batch37 = run(0, 37);
      const auto batch16 = run(5, 16);  // tokens 5..20 at other places in their tile
      for (int64_t t = 0; t < 37; ++t) {
        const auto alone = run(t, 1);
        for (int64_t o = 0; o < out; ++o) {
          INFO(dtype_name(dtype) << " threads " << threads << " t=" << t << " o=" << o);
          REQUIRE(std::isfinite(alone[o]));
          REQUIRE(alone[o] == batch37[t * out + o]);
          if (t >= 5 && t < 21) REQUIRE(alone[o] == batch16[(t - 5) * out + o]);
        }
      }
    }
  }
}

namespace {

// A test-only "quantized" format: I16 rows holding value * 256 (fixed point). Only a row dequantizer is
// registered, so embedding and linear must take the generic dequantize-then-F32 path.
void i16_fixed_point_row(const uint8_t* row, int64_t n, float* out) {
  for (int64_t k = 0; k < n; ++k) {
    int16_t v;
    std::memcpy(&v, row + 2 * k, 2);
    out[k] = static_cast<float>(v) / 256.0f;
  }
}

}  // namespace

TEST_CASE("a dtype with only a row dequantizer works for embedding and linear (dequantize-then-F32)", "[cpu_backend][linear]") {
  cpu::register_row_dequantizer(DType::I16, &i16_fixed_point_row);
  REQUIRE(cpu::find_linear_kernel(DType::I16, cpu::detected_isa_level()) == nullptr);
  cpu::CpuBackend backend(3);
  const int64_t vocab = 23, hidden = 37, tokens = 4;
  std::vector<uint8_t> bytes(static_cast<size_t>(vocab * hidden) * 2);
  std::vector<float> table(static_cast<size_t>(vocab * hidden));
  for (size_t i = 0; i < table.size(); ++i) {
    const int16_t v = static_cast<int16_t>((static_cast<int>(i) * 37) % 512 - 256);
    std::memcpy(bytes.data() + 2 * i, &v, 2);
    table[i] = v / 256.0f;
  }
  const Weight weight = backend.prepare_weight(test::make_view("token_embd.weight", DType::I16, {vocab, hidden}, bytes));
  const std::vector<int32_t> ids = {3, 22, 0, 3};
  DeviceBuffer emb = backend.allocate(DType::F32, std::vector<int64_t>{tokens, hidden});
  backend.embedding(weight, ids, emb.tensor());
  const auto e = test::download(backend, emb);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t k = 0; k < hidden; ++k) REQUIRE(e[t * hidden + k] == table[ids[t] * hidden + k]);
  DeviceBuffer logits = backend.allocate(DType::F32, std::vector<int64_t>{tokens, vocab});
  backend.linear(emb.tensor(), weight, nullptr, logits.tensor());  // tied lm_head
  const auto y = test::download(backend, logits);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t o = 0; o < vocab; ++o) {
      double ref = 0.0, magnitude = 0.0;
      for (int64_t k = 0; k < hidden; ++k) {
        ref += static_cast<double>(e[t * hidden + k]) * table[o * hidden + k];
        magnitude += std::fabs(static_cast<double>(e[t * hidden + k]) * table[o * hidden + k]);
      }
      REQUIRE(std::fabs(y[t * vocab + o] - ref) <= 1e-5 * magnitude + 1e-7);
    }
}
