// rms_norm, rms_norm_heads, silu_mul, add, embedding, gather_rows and store_kv against plain double
// formulas written here, on random inputs of odd shapes. Tolerance: 2e-6 relative (+1e-6 absolute) for F32
// math; stored F16 K/V must equal the round-to-nearest F16 of the input exactly.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/backend/cpu/cpu_backend.h"
#include "tests/unit/cpu_backend/test_helpers.h"

using namespace edgeserve;

namespace {

const std::vector<int64_t> kRows = {1, 3, 8};
const std::vector<int64_t> kCols = {1, 7, 64, 100, 1000};

void require_close(float actual, double expected, double rel = 2e-6, double abs = 1e-6) {
  if (std::fabs(actual - expected) > rel * std::fabs(expected) + abs) {
    INFO("actual " << actual << " expected " << expected);
    REQUIRE(std::fabs(actual - expected) <= rel * std::fabs(expected) + abs);
  }
}

}  // namespace

TEST_CASE("rms_norm matches the double formula for F32 F16 and BF16 weights", "[cpu_backend][elementwise]") {
  cpu::CpuBackend backend(2);
  for (DType dtype : {DType::F32, DType::F16, DType::BF16})
    for (int64_t t_rows : kRows)
      for (int64_t h : kCols) {
        std::vector<float> x = test::random_floats(t_rows * h, 1, -3.0f, 3.0f);
        std::vector<float> w = test::random_floats(h, 2, 0.5f, 1.5f);
        const auto w_bytes = test::encode(w, dtype);
        const Weight weight = backend.prepare_weight(test::make_view("norm", dtype, {h}, w_bytes));
        DeviceBuffer x_buf = test::upload(backend, x, {t_rows, h});
        DeviceBuffer out = backend.allocate(DType::F32, std::vector<int64_t>{t_rows, h});
        const float eps = 1e-5f;
        backend.rms_norm(x_buf.tensor(), weight, eps, out.tensor());
        backend.rms_norm(x_buf.tensor(), weight, eps, x_buf.tensor());  // in place gives the same
        const auto y = test::download(backend, out);
        const auto y_in_place = test::download(backend, x_buf);
        for (int64_t t = 0; t < t_rows; ++t) {
          double sum = 0.0;
          for (int64_t k = 0; k < h; ++k) sum += static_cast<double>(x[t * h + k]) * x[t * h + k];
          const double inv = 1.0 / std::sqrt(sum / h + eps);
          for (int64_t k = 0; k < h; ++k) {
            require_close(y[t * h + k], x[t * h + k] * inv * w[k], 1e-5);
            REQUIRE(y_in_place[t * h + k] == y[t * h + k]);
          }
        }
      }
}

TEST_CASE("rms_norm_heads normalises each head_dim slice with the shared weight (Qwen3 q/k norm)", "[cpu_backend][elementwise]") {
  cpu::CpuBackend backend(2);
  for (int64_t head_dim : {2, 5, 64, 128})
    for (int64_t n_heads : {1, 3}) {
      const int64_t t_rows = 4, row = n_heads * head_dim;
      std::vector<float> x = test::random_floats(t_rows * row, 3, -2.0f, 2.0f);
      std::vector<float> w = test::random_floats(head_dim, 4);
      const auto w_bytes = test::encode(w, DType::BF16);
      const Weight weight = backend.prepare_weight(test::make_view("q_norm", DType::BF16, {head_dim}, w_bytes));
      DeviceBuffer x_buf = test::upload(backend, x, {t_rows, row});
      backend.rms_norm_heads(x_buf.tensor(), weight, 1e-6f);
      const auto y = test::download(backend, x_buf);
      for (int64_t t = 0; t < t_rows; ++t)
        for (int64_t h = 0; h < n_heads; ++h) {
          const float* v = x.data() + t * row + h * head_dim;
          double sum = 0.0;
          for (int64_t d = 0; d < head_dim; ++d) sum += static_cast<double>(v[d]) * v[d];
          const double inv = 1.0 / std::sqrt(sum / head_dim + 1e-6);
          for (int64_t d = 0; d < head_dim; ++d) require_close(y[t * row + h * head_dim + d], v[d] * inv * w[d], 1e-5);
        }
    }
}

TEST_CASE("silu_mul and add match their formulas - also in place", "[cpu_backend][elementwise]") {
  cpu::CpuBackend backend(2);
  for (int64_t t_rows : kRows)
    for (int64_t n : kCols) {
      const auto gate = test::random_floats(t_rows * n, 5, -8.0f, 8.0f);
      const auto up = test::random_floats(t_rows * n, 6, -2.0f, 2.0f);
      DeviceBuffer g = test::upload(backend, gate, {t_rows, n});
      DeviceBuffer u = test::upload(backend, up, {t_rows, n});
      DeviceBuffer out = backend.allocate(DType::F32, std::vector<int64_t>{t_rows, n});
      backend.silu_mul(g.tensor(), u.tensor(), out.tensor());
      const auto y = test::download(backend, out);
      for (size_t i = 0; i < y.size(); ++i) {
        const double gd = gate[i];
        require_close(y[i], gd / (1.0 + std::exp(-gd)) * up[i], 1e-5);
      }
      backend.add(g.tensor(), u.tensor(), g.tensor());  // residual add in place
      const auto sum = test::download(backend, g);
      for (size_t i = 0; i < sum.size(); ++i) REQUIRE(sum[i] == gate[i] + up[i]);
    }
}

TEST_CASE("embedding widens table rows of F32/F16/BF16 to F32 exactly", "[cpu_backend][elementwise]") {
  cpu::CpuBackend backend(2);
  const int64_t vocab = 37, hidden = 19;
  const std::vector<int32_t> ids = {0, 36, 5, 5, 17};
  for (DType dtype : {DType::F32, DType::F16, DType::BF16}) {
    std::vector<float> table = test::random_floats(vocab * hidden, 7, -4.0f, 4.0f);
    const auto bytes = test::encode(table, dtype);
    const Weight weight = backend.prepare_weight(test::make_view("token_embd", dtype, {vocab, hidden}, bytes));
    DeviceBuffer out = backend.allocate(DType::F32, std::vector<int64_t>{static_cast<int64_t>(ids.size()), hidden});
    backend.embedding(weight, ids, out.tensor());
    const auto y = test::download(backend, out);
    for (size_t t = 0; t < ids.size(); ++t)
      for (int64_t k = 0; k < hidden; ++k) REQUIRE(y[t * hidden + k] == table[ids[t] * hidden + k]);
  }
}

TEST_CASE("gather_rows copies the sampling rows in order", "[cpu_backend][elementwise]") {
  cpu::CpuBackend backend(1);
  const int64_t t_rows = 6, hidden = 11;
  const auto x = test::random_floats(t_rows * hidden, 8);
  DeviceBuffer x_buf = test::upload(backend, x, {t_rows, hidden});
  const std::vector<int32_t> rows = {5, 0, 2};
  DeviceBuffer out = backend.allocate(DType::F32, std::vector<int64_t>{3, hidden});
  backend.gather_rows(x_buf.tensor(), rows, out.tensor());
  const auto y = test::download(backend, out);
  for (size_t i = 0; i < rows.size(); ++i)
    for (int64_t k = 0; k < hidden; ++k) REQUIRE(y[i * hidden + k] == x[rows[i] * hidden + k]);
}

TEST_CASE("store_kv writes each token at its slot (F32 exact - F16 rounded) - skips slot -1", "[cpu_backend][elementwise]") {
  cpu::CpuBackend backend(2);
  const int64_t num_blocks = 4, block_size = 3, n_kv = 2, head_dim = 5, row = n_kv * head_dim;
  const std::vector<int64_t> slots = {7, 0, -1, 11};
  const int64_t t_rows = static_cast<int64_t>(slots.size());
  const auto k = test::random_floats(t_rows * row, 9);
  const auto v = test::random_floats(t_rows * row, 10);
  DeviceBuffer k_buf = test::upload(backend, k, {t_rows, row});
  DeviceBuffer v_buf = test::upload(backend, v, {t_rows, row});
  for (DType dtype : {DType::F32, DType::F16}) {
    const std::vector<int64_t> shape = {num_blocks, block_size, n_kv, head_dim};
    DeviceBuffer k_cache = backend.allocate(dtype, shape);
    DeviceBuffer v_cache = backend.allocate(dtype, shape);
    backend.store_kv(k_buf.tensor(), v_buf.tensor(), slots, k_cache.tensor(), v_cache.tensor());
    std::vector<uint8_t> k_host(k_cache.tensor().nbytes()), v_host(v_cache.tensor().nbytes());
    backend.copy_to_host(k_cache.tensor(), k_host.data());
    backend.copy_to_host(v_cache.tensor(), v_host.data());
    auto cached = [&](const std::vector<uint8_t>& host, int64_t slot, int64_t i) -> float {
      if (dtype == DType::F32) {
        float f;
        std::memcpy(&f, host.data() + (slot * row + i) * 4, 4);
        return f;
      }
      uint16_t h;
      std::memcpy(&h, host.data() + (slot * row + i) * 2, 2);
      return quant::fp16_to_fp32(h);
    };
    auto expected = [&](float f) { return dtype == DType::F32 ? f : quant::fp16_to_fp32(quant::fp32_to_fp16(f)); };
    std::vector<bool> written(num_blocks * block_size, false);
    for (int64_t t = 0; t < t_rows; ++t) {
      if (slots[t] < 0) continue;
      written[slots[t]] = true;
      for (int64_t i = 0; i < row; ++i) {
        REQUIRE(cached(k_host, slots[t], i) == expected(k[t * row + i]));
        REQUIRE(cached(v_host, slots[t], i) == expected(v[t * row + i]));
      }
    }
    for (int64_t s = 0; s < num_blocks * block_size; ++s)  // untouched slots stay zero
      if (!written[s])
        for (int64_t i = 0; i < row; ++i) REQUIRE(cached(k_host, s, i) == 0.0f);
  }
}
