// CudaBackend::linear against the CpuBackend on random weights of several shapes: F32 (NMSE <= 1e-10),
// F16 / BF16 (the GPU rounds activations to the weight's type: NMSE <= 1e-5), Q8_0 against the CPU's
// dequantize-reference mode (F32 activations on both sides: NMSE <= 1e-10), with and without bias; and
// prepare_weight's refusal of a dtype it has no kernel for.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "engine/backend/cpu/quant/quantize.h"
#include "tests/cuda/cuda_test_support.h"

using namespace edgeserve;
using edgeserve::test::BackendPair;
using edgeserve::test::download;
using edgeserve::test::make_buffer;
using edgeserve::test::nmse;
using edgeserve::test::random_floats;

namespace {

std::vector<uint8_t> quantize_matrix(DType dtype, int64_t rows, int64_t cols, uint32_t seed) {
  const auto values = random_floats(static_cast<size_t>(rows * cols), seed, -0.5f, 0.5f);
  const size_t row_bytes = row_nbytes(dtype, cols);
  std::vector<uint8_t> bytes(row_bytes * rows);
  for (int64_t r = 0; r < rows; ++r) quant::quantize_row(dtype, values.data() + r * cols, bytes.data() + r * row_bytes, cols);
  return bytes;
}

}  // namespace

TEST_CASE("cuda: linear matches the CPU for F32, F16, BF16 and Q8_0 weights", "[cuda][linear]") {
  BackendPair b;
  b.cpu.set_dequantize_reference(true);  // Q8_0: the CPU multiplies dequantized rows in F32, as the GPU does
  struct Shape { int64_t tokens, in, out; };
  for (DType dtype : {DType::F32, DType::F16, DType::BF16, DType::Q8_0}) {
    const double threshold = (dtype == DType::F16 || dtype == DType::BF16) ? 1e-5 : 1e-10;
    for (Shape s : {Shape{1, 64, 48}, Shape{7, 576, 1536}, Shape{64, 256, 96}, Shape{3, 1536, 576}}) {
      for (bool with_bias : {false, true}) {
        CAPTURE(dtype_name(dtype), s.tokens, s.in, s.out, with_bias);
        const auto w_bytes = quantize_matrix(dtype, s.out, s.in, 41);
        const TensorView w_view{"blk.0.ffn_up.weight", dtype, {s.out, s.in}, w_bytes.data(), w_bytes.size()};
        const auto bias_values = random_floats(static_cast<size_t>(s.out), 42);
        const TensorView bias_view{"blk.0.ffn_up.bias", DType::F32, {s.out},
                                   reinterpret_cast<const uint8_t*>(bias_values.data()), bias_values.size() * 4};
        const Weight cw = b.cpu.prepare_weight(w_view), gw = b.gpu.prepare_weight(w_view);
        const Weight cb = b.cpu.prepare_weight(bias_view), gb = b.gpu.prepare_weight(bias_view);
        const auto x = random_floats(static_cast<size_t>(s.tokens * s.in), 43);
        auto cx = make_buffer(b.cpu, {s.tokens, s.in}, x), gx = make_buffer(b.gpu, {s.tokens, s.in}, x);
        auto cy = make_buffer(b.cpu, {s.tokens, s.out}), gy = make_buffer(b.gpu, {s.tokens, s.out});
        b.cpu.linear(cx.tensor(), cw, with_bias ? &cb : nullptr, cy.tensor());
        b.gpu.linear(gx.tensor(), gw, with_bias ? &gb : nullptr, gy.tensor());
        CHECK(nmse(download(b.gpu, gy.tensor()), download(b.cpu, cy.tensor())) <= threshold);
      }
    }
  }
}

TEST_CASE("cuda: prepare_weight refuses a dtype without a kernel, naming the tensor", "[cuda][linear]") {
  BackendPair b;
  const auto bytes = quantize_matrix(DType::Q4_0, 4, 64, 51);
  const TensorView view{"blk.3.attn_k.weight", DType::Q4_0, {4, 64}, bytes.data(), bytes.size()};
  CHECK_THROWS_WITH(b.gpu.prepare_weight(view), Catch::Contains("blk.3.attn_k.weight") && Catch::Contains("Q4_0"));
}
