// RoPE: inverse frequencies against theta^(-2i/d) and transformers' _compute_llama3_parameters (re-evaluated
// here in its torch.where form); rope against hand-computed rotations at positions 0, 1 and 100000 in both
// layouts; against HF's q*cos + rotate_half(q)*sin on random shapes; and the GGUF relation: interleaved rope
// of llama.cpp-permuted rows == permuted NeoX rope of HF rows. Angles are float(pos) * inv_freq in F32 as
// in HF, so references use that F32 angle; tolerance 1e-6 absolute on unit-scale inputs.
#include <catch2/catch.hpp>

#include <cmath>

#include "engine/backend/cpu/cpu_backend.h"
#include "tests/unit/cpu_backend/test_helpers.h"

using namespace edgeserve;

namespace {

// Applies backend rope to q [T, n_heads*hd] and k [T, n_kv*hd]; returns the rotated q and k.
std::pair<std::vector<float>, std::vector<float>> run_rope(cpu::CpuBackend& backend, const RopeConfig& config,
                                                           const std::vector<float>& q, const std::vector<float>& k,
                                                           const std::vector<int32_t>& positions) {
  const int64_t t_rows = static_cast<int64_t>(positions.size());
  DeviceBuffer q_buf = test::upload(backend, q, {t_rows, static_cast<int64_t>(q.size()) / t_rows});
  DeviceBuffer k_buf = test::upload(backend, k, {t_rows, static_cast<int64_t>(k.size()) / t_rows});
  backend.rope(q_buf.tensor(), k_buf.tensor(), positions, config);
  return {test::download(backend, q_buf), test::download(backend, k_buf)};
}

double angle(int32_t position, float inv_freq) { return static_cast<float>(position) * inv_freq; }

}  // namespace

TEST_CASE("inv_freq is theta^(-2i/d) without scaling", "[cpu_backend][rope]") {
  const RopeConfig c = make_rope_config(RopeMode::kNeox, 8, 10000.0);
  REQUIRE(c.inv_freq.size() == 4);
  for (int i = 0; i < 4; ++i) REQUIRE(c.inv_freq[i] == Approx(std::pow(10000.0, -2.0 * i / 8)).epsilon(1e-7));
}

TEST_CASE("llama3 scaling matches transformers' _compute_llama3_parameters", "[cpu_backend][rope]") {
  // Llama 3.1 8B: theta 500000, head_dim 128, factor 8, low 1, high 4, original 8192.
  const RopeScaling s{8.0, 1.0, 4.0, 8192.0};
  const RopeConfig c = make_rope_config(RopeMode::kNeox, 128, 500000.0, s);
  const double pi = 3.141592653589793;
  int low = 0, medium = 0, high = 0;
  for (int i = 0; i < 64; ++i) {
    // transformers: inv_freq_llama = where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq);
    // smoothed = (1 - smooth) * inv_freq_llama / factor + smooth * inv_freq_llama;
    // is_medium = !(wavelen < high_freq_wavelen) & !(wavelen > low_freq_wavelen) -> smoothed.
    const double inv_freq = 1.0 / std::pow(500000.0, (2.0 * i) / 128.0);
    const double wavelen = 2 * pi / inv_freq;
    const double low_freq_wavelen = 8192.0 / 1.0, high_freq_wavelen = 8192.0 / 4.0;
    double llama = wavelen > low_freq_wavelen ? inv_freq / 8.0 : inv_freq;
    const double smooth = (8192.0 / wavelen - 1.0) / (4.0 - 1.0);
    const double smoothed = (1 - smooth) * llama / 8.0 + smooth * llama;
    const bool is_medium = !(wavelen < high_freq_wavelen) && !(wavelen > low_freq_wavelen);
    if (is_medium) llama = smoothed;
    (is_medium ? medium : (wavelen > low_freq_wavelen ? low : high))++;
    REQUIRE(c.inv_freq[i] == Approx(llama).epsilon(1e-6));
  }
  REQUIRE(low > 0);  // all three regions are exercised
  REQUIRE(medium > 0);
  REQUIRE(high > 0);
}

TEST_CASE("rope at positions 0 - 1 and 100000 equals hand-computed rotations in both layouts", "[cpu_backend][rope]") {
  cpu::CpuBackend backend(1);
  const std::vector<float> x = {1.0f, 2.0f, 3.0f, 4.0f};  // one head, head_dim 4: inv_freq = {1, 0.01}
  for (RopeMode mode : {RopeMode::kNeox, RopeMode::kInterleaved}) {
    const RopeConfig c = make_rope_config(mode, 4, 10000.0);
    REQUIRE(c.inv_freq[1] == Approx(0.01).epsilon(1e-7));
    auto [q0, k0] = run_rope(backend, c, x, x, {0});
    for (int i = 0; i < 4; ++i) REQUIRE(q0[i] == x[i]);  // position 0: identity
    for (int32_t pos : {1, 100000}) {
      auto [q, k] = run_rope(backend, c, x, x, {pos});
      const double a0 = angle(pos, c.inv_freq[0]), a1 = angle(pos, c.inv_freq[1]);
      std::vector<double> expected(4);
      if (mode == RopeMode::kNeox) {  // pairs (0,2) and (1,3)
        expected = {1 * std::cos(a0) - 3 * std::sin(a0), 2 * std::cos(a1) - 4 * std::sin(a1),
                    3 * std::cos(a0) + 1 * std::sin(a0), 4 * std::cos(a1) + 2 * std::sin(a1)};
      } else {  // pairs (0,1) and (2,3)
        expected = {1 * std::cos(a0) - 2 * std::sin(a0), 2 * std::cos(a0) + 1 * std::sin(a0),
                    3 * std::cos(a1) - 4 * std::sin(a1), 4 * std::cos(a1) + 3 * std::sin(a1)};
      }
      for (int i = 0; i < 4; ++i) {
        REQUIRE(q[i] == Approx(expected[i]).margin(1e-6));
        REQUIRE(k[i] == q[i]);
      }
    }
  }
  {  // position 1, angle 1 rad exactly: the literal values
    auto [q, k] = run_rope(backend, make_rope_config(RopeMode::kNeox, 4, 10000.0), x, x, {1});
    REQUIRE(q[0] == Approx(1 * 0.5403023058681398 - 3 * 0.8414709848078965).margin(1e-6));
    REQUIRE(q[2] == Approx(3 * 0.5403023058681398 + 1 * 0.8414709848078965).margin(1e-6));
  }
}

TEST_CASE("NeoX rope equals the HF rotate_half formula on random shapes and positions", "[cpu_backend][rope]") {
  cpu::CpuBackend backend(2);
  for (int64_t head_dim : {2, 6, 64, 128})
    for (auto [n_heads, n_kv] : {std::pair<int64_t, int64_t>{1, 1}, {4, 2}, {3, 1}}) {
      const RopeConfig c = make_rope_config(RopeMode::kNeox, static_cast<int32_t>(head_dim), 1000000.0);
      const std::vector<int32_t> positions = {0, 7, 3, 4095, 31};
      const int64_t t_rows = static_cast<int64_t>(positions.size());
      const auto q = test::random_floats(t_rows * n_heads * head_dim, 11);
      const auto k = test::random_floats(t_rows * n_kv * head_dim, 12);
      auto [q_out, k_out] = run_rope(backend, c, q, k, positions);
      auto check = [&](const std::vector<float>& in, const std::vector<float>& out, int64_t heads) {
        const int64_t half = head_dim / 2;
        for (int64_t t = 0; t < t_rows; ++t)
          for (int64_t h = 0; h < heads; ++h)
            for (int64_t d = 0; d < head_dim; ++d) {
              const float* v = in.data() + (t * heads + h) * head_dim;
              const double a = angle(positions[t], c.inv_freq[d % half]);  // emb = cat(freqs, freqs)
              const double rotated = d < half ? -v[d + half] : v[d - half];  // rotate_half
              REQUIRE(out[(t * heads + h) * head_dim + d] == Approx(v[d] * std::cos(a) + rotated * std::sin(a)).margin(1e-6));
            }
      };
      check(q, q_out, n_heads);
      check(k, k_out, n_kv);
    }
}

TEST_CASE("interleaved rope of llama.cpp-permuted rows equals the permuted NeoX rope (GGUF llama)", "[cpu_backend][rope]") {
  // llama.cpp's convert_hf_to_gguf permutes q/k rows per head: gguf[2i] = hf[i], gguf[2i+1] = hf[i + d/2].
  cpu::CpuBackend backend(1);
  const int64_t head_dim = 64, n_heads = 2;
  const std::vector<int32_t> positions = {5, 1000};
  const auto hf = test::random_floats(2 * n_heads * head_dim, 13);
  std::vector<float> gguf(hf.size());
  auto permute = [&](const std::vector<float>& src, std::vector<float>& dst) {
    for (int64_t r = 0; r < 2 * n_heads; ++r)
      for (int64_t i = 0; i < head_dim / 2; ++i) {
        dst[r * head_dim + 2 * i] = src[r * head_dim + i];
        dst[r * head_dim + 2 * i + 1] = src[r * head_dim + i + head_dim / 2];
      }
  };
  permute(hf, gguf);
  auto [hf_rot, unused1] = run_rope(backend, make_rope_config(RopeMode::kNeox, head_dim, 500000.0), hf, hf, positions);
  auto [gguf_rot, unused2] = run_rope(backend, make_rope_config(RopeMode::kInterleaved, head_dim, 500000.0), gguf, gguf, positions);
  std::vector<float> hf_rot_permuted(hf.size());
  permute(hf_rot, hf_rot_permuted);
  for (size_t i = 0; i < hf.size(); ++i) REQUIRE(gguf_rot[i] == hf_rot_permuted[i]);
}
