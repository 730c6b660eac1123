// CudaBackend's row and elementwise ops against the CpuBackend (the reference) on random inputs of
// several shapes: embedding (F32, F16, BF16, Q8_0 tables), rms_norm, rms_norm_heads, rope (NeoX and
// interleaved, llama3 scaling), silu_mul, add and gather_rows. All F32 math: NMSE <= 1e-10. Also allocate
// (zeroed) and the host copies, against the host data itself.
#include <catch2/catch.hpp>

#include <algorithm>

#include "engine/backend/cpu/quant/quantize.h"
#include "tests/cuda/cuda_test_support.h"

using namespace edgeserve;
using edgeserve::test::BackendPair;
using edgeserve::test::download;
using edgeserve::test::make_buffer;
using edgeserve::test::nmse;
using edgeserve::test::random_floats;

namespace {

constexpr double kF32Nmse = 1e-10;

// Weight bytes of `dtype` (quantized from F32 values by the CPU quantizer) with the TensorView over them.
struct HostWeight {
  std::vector<uint8_t> bytes;
  TensorView view;
};

HostWeight make_weight(const std::string& name, DType dtype, std::vector<int64_t> shape, uint32_t seed) {
  HostWeight w;
  const int64_t cols = shape.back(), rows = num_elements(shape) / cols;
  const size_t row_bytes = row_nbytes(dtype, cols);
  const std::vector<float> values = random_floats(static_cast<size_t>(rows * cols), seed);
  w.bytes.resize(row_bytes * rows);
  for (int64_t r = 0; r < rows; ++r) quant::quantize_row(dtype, values.data() + r * cols, w.bytes.data() + r * row_bytes, cols);
  w.view = TensorView{name, dtype, shape, w.bytes.data(), w.bytes.size()};
  return w;
}

}  // namespace

TEST_CASE("cuda: embedding matches the CPU for F32, F16, BF16 and Q8_0 tables", "[cuda][elementwise]") {
  BackendPair b;
  for (DType dtype : {DType::F32, DType::F16, DType::BF16, DType::Q8_0}) {
    for (int64_t hidden : {64, 576}) {
      CAPTURE(dtype_name(dtype), hidden);
      const HostWeight table = make_weight("token_embd.weight", dtype, {50, hidden}, 7);
      const Weight cpu_w = b.cpu.prepare_weight(table.view), gpu_w = b.gpu.prepare_weight(table.view);
      const std::vector<int32_t> ids = {3, 0, 49, 3, 17, 25, 8};
      auto cpu_out = make_buffer(b.cpu, {7, hidden}), gpu_out = make_buffer(b.gpu, {7, hidden});
      b.cpu.embedding(cpu_w, ids, cpu_out.tensor());
      b.gpu.embedding(gpu_w, ids, gpu_out.tensor());
      const auto want = download(b.cpu, cpu_out.tensor()), got = download(b.gpu, gpu_out.tensor());
      CHECK(nmse(got, want) <= kF32Nmse);
    }
  }
}

TEST_CASE("cuda: rms_norm and rms_norm_heads match the CPU", "[cuda][elementwise]") {
  BackendPair b;
  for (int64_t tokens : {1, 5, 33}) {
    for (int64_t hidden : {64, 576, 1000}) {
      CAPTURE(tokens, hidden);
      const HostWeight weight = make_weight("norm.weight", DType::F16, {hidden}, 11);
      const auto x = random_floats(static_cast<size_t>(tokens * hidden), 12, -3.0f, 3.0f);
      auto cx = make_buffer(b.cpu, {tokens, hidden}, x), gx = make_buffer(b.gpu, {tokens, hidden}, x);
      b.cpu.rms_norm(cx.tensor(), b.cpu.prepare_weight(weight.view), 1e-6f, cx.tensor());  // in place
      b.gpu.rms_norm(gx.tensor(), b.gpu.prepare_weight(weight.view), 1e-6f, gx.tensor());
      CHECK(nmse(download(b.gpu, gx.tensor()), download(b.cpu, cx.tensor())) <= kF32Nmse);
    }
  }
  for (int64_t head_dim : {64, 128}) {
    CAPTURE(head_dim);
    const HostWeight weight = make_weight("attn_q_norm.weight", DType::F32, {head_dim}, 13);
    const int64_t tokens = 9, row = 6 * head_dim;
    const auto x = random_floats(static_cast<size_t>(tokens * row), 14, -2.0f, 2.0f);
    auto cx = make_buffer(b.cpu, {tokens, row}, x), gx = make_buffer(b.gpu, {tokens, row}, x);
    b.cpu.rms_norm_heads(cx.tensor(), b.cpu.prepare_weight(weight.view), 1e-6f);
    b.gpu.rms_norm_heads(gx.tensor(), b.gpu.prepare_weight(weight.view), 1e-6f);
    CHECK(nmse(download(b.gpu, gx.tensor()), download(b.cpu, cx.tensor())) <= kF32Nmse);
  }
}

TEST_CASE("cuda: rope matches the CPU in NeoX and interleaved modes", "[cuda][elementwise]") {
  BackendPair b;
  RopeScaling llama3;
  llama3.factor = 8.0;
  for (RopeMode mode : {RopeMode::kNeox, RopeMode::kInterleaved}) {
    for (int32_t head_dim : {64, 128}) {
      for (bool scaled : {false, true}) {
        CAPTURE(mode == RopeMode::kNeox, head_dim, scaled);
        const RopeConfig config = make_rope_config(mode, head_dim, 500000.0, scaled ? llama3 : RopeScaling{});
        const std::vector<int32_t> positions = {0, 1, 2, 7, 100, 4095, 31000};
        const int64_t tokens = 7, q_row = 8 * head_dim, k_row = 2 * head_dim;
        const auto q = random_floats(static_cast<size_t>(tokens * q_row), 21);
        const auto k = random_floats(static_cast<size_t>(tokens * k_row), 22);
        auto cq = make_buffer(b.cpu, {tokens, q_row}, q), ck = make_buffer(b.cpu, {tokens, k_row}, k);
        auto gq = make_buffer(b.gpu, {tokens, q_row}, q), gk = make_buffer(b.gpu, {tokens, k_row}, k);
        b.cpu.rope(cq.tensor(), ck.tensor(), positions, config);
        b.gpu.rope(gq.tensor(), gk.tensor(), positions, config);
        CHECK(nmse(download(b.gpu, gq.tensor()), download(b.cpu, cq.tensor())) <= kF32Nmse);
        CHECK(nmse(download(b.gpu, gk.tensor()), download(b.cpu, ck.tensor())) <= kF32Nmse);
      }
    }
  }
}

TEST_CASE("cuda: silu_mul, add and gather_rows match the CPU", "[cuda][elementwise]") {
  BackendPair b;
  for (int64_t tokens : {1, 6, 40}) {
    for (int64_t cols : {17, 1536}) {
      CAPTURE(tokens, cols);
      const std::vector<int64_t> shape = {tokens, cols};
      const auto x = random_floats(static_cast<size_t>(tokens * cols), 31, -8.0f, 8.0f);
      const auto y = random_floats(static_cast<size_t>(tokens * cols), 32, -2.0f, 2.0f);
      auto cx = make_buffer(b.cpu, shape, x), cy = make_buffer(b.cpu, shape, y), co = make_buffer(b.cpu, shape);
      auto gx = make_buffer(b.gpu, shape, x), gy = make_buffer(b.gpu, shape, y), go = make_buffer(b.gpu, shape);
      b.cpu.silu_mul(cx.tensor(), cy.tensor(), co.tensor());
      b.gpu.silu_mul(gx.tensor(), gy.tensor(), go.tensor());
      CHECK(nmse(download(b.gpu, go.tensor()), download(b.cpu, co.tensor())) <= kF32Nmse);
      b.cpu.add(co.tensor(), cx.tensor(), co.tensor());  // out aliases a: the residual add
      b.gpu.add(go.tensor(), gx.tensor(), go.tensor());
      CHECK(nmse(download(b.gpu, go.tensor()), download(b.cpu, co.tensor())) <= kF32Nmse);

      std::vector<int32_t> rows = {static_cast<int32_t>(tokens - 1), 0};
      auto cr = make_buffer(b.cpu, {2, cols}), gr = make_buffer(b.gpu, {2, cols});
      b.cpu.gather_rows(co.tensor(), rows, cr.tensor());
      b.gpu.gather_rows(go.tensor(), rows, gr.tensor());
      CHECK(nmse(download(b.gpu, gr.tensor()), download(b.cpu, cr.tensor())) <= kF32Nmse);
    }
  }
}

TEST_CASE("cuda: allocate zeroes and copies round-trip", "[cuda][memory]") {
  BackendPair b;
  for (int64_t rows : {1, 300}) {
    CAPTURE(rows);
    auto buffer = b.gpu.allocate(DType::F32, std::vector<int64_t>{rows, 1000});
    const auto zeros = download(b.gpu, buffer.tensor());
    CHECK(std::all_of(zeros.begin(), zeros.end(), [](float x) { return x == 0.0f; }));
    const auto values = random_floats(static_cast<size_t>(rows * 1000), 71);
    b.gpu.copy_to_device(values.data(), buffer.tensor());
    CHECK(download(b.gpu, buffer.tensor()) == values);
    // A view of the first row only: first_rows() narrows a batch-sized buffer to a smaller step.
    const auto first = download(b.gpu, buffer.tensor().first_rows(1));
    CHECK(std::equal(first.begin(), first.end(), values.begin()));
  }
}
