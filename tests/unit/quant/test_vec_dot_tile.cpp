// Tile and rows kernels (QuantKernels::vec_dot_tile, vec_dot_rows) and the activation tile layout
// (act_tile.h). Reference for the kernels: the single-token kernel of the same ISA level (vec_dot) on each
// token's Q8_0 row and each weight row; every output must equal it bit for bit, for 1..17 weight rows (steps
// of 4, 2 and 1 rows; groups of 8 and their tail), 1..4 tokens per rows-kernel pass, 1..3 tiles with a full or partial last tile (nothing
// written past its tokens), block counts from 1 to 96, strided tiles and outputs, Q8_0 weights of -128,
// activation quants of +-127 and all-zero tokens. Reference for the layout: its definition in act_tile.h.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/backend/cpu/quant/act_tile.h"
#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/kernels.h"
#include "engine/backend/cpu/quant/quantize.h"

using namespace edgeserve;
using namespace edgeserve::quant;

namespace {

// Blocks: 1, 2, 3, 4, 5, 6, 7, 10, 11, 32, 96 (remainders 0..3 mod 4, single and multi-pass chains).
const int64_t kTileLengths[] = {32, 64, 96, 128, 160, 192, 224, 320, 352, 1024, 3072};

std::vector<float> random_floats(std::mt19937& rng, int64_t n, float sigma) {
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = dist(rng);
  return v;
}

// Weight rows w_stride bytes apart (padding between them).
std::vector<uint8_t> make_weight_rows(DType weight, int64_t n, int64_t num_rows, size_t w_stride, std::mt19937& rng) {
  std::vector<uint8_t> w(w_stride * static_cast<size_t>(num_rows), 0xcd);
  for (int64_t r = 0; r < num_rows; ++r) {
    const std::vector<float> values = random_floats(rng, n, 0.05f);
    uint8_t* row = w.data() + static_cast<size_t>(r) * w_stride;
    quantize_row(weight, values.data(), row, n);
    if (weight == DType::Q8_0) {  // GGUF files may hold -128 (our quantizer never writes it)
      auto* blocks = reinterpret_cast<BlockQ8_0*>(row);
      blocks[0].qs[r % kQK] = -128;
      blocks[n / kQK - 1].qs[kQK - 1] = -128;
    }
  }
  return w;
}

// One Q8_0 row per token: magnitudes differ per token, token 3 is all zeros, token 5 has quants of +-127.
std::vector<uint8_t> make_token_rows(int64_t n, int64_t num_tokens, std::mt19937& rng) {
  const size_t row = row_nbytes(DType::Q8_0, n);
  std::vector<uint8_t> act(row * static_cast<size_t>(num_tokens));
  for (int64_t t = 0; t < num_tokens; ++t) {
    std::vector<float> a = random_floats(rng, n, 0.25f + static_cast<float>(t % 7));
    if (t % kTileTokens == 3) std::fill(a.begin(), a.end(), 0.0f);
    if (t % kTileTokens == 5)
      for (int64_t k = 0; k < n; ++k) a[static_cast<size_t>(k)] = (k % 3 == 0 ? -1.0f : 1.0f) * 4.0f;
    quantize_row(DType::Q8_0, a.data(), act.data() + static_cast<size_t>(t) * row, n);
  }
  return act;
}

}  // namespace

TEST_CASE("activation tile: layout as act_tile.h defines it", "[quant][tile]") {
  // Reference: the layout comment of act_tile.h, read byte by byte.
  std::mt19937 rng(5);
  for (int64_t n : {32, 96, 1024}) {
    const int64_t nb = n / kQK;
    REQUIRE(act_tile_bytes(n) == static_cast<size_t>(nb) * (kQK * kTileTokens + 4 * kTileTokens));
    const std::vector<uint8_t> rows = make_token_rows(n, kTileTokens, rng);
    const size_t row = row_nbytes(DType::Q8_0, n);
    std::vector<uint8_t> tile(act_tile_bytes(n) + 16, 0x5a);
    for (int k = kTileTokens - 1; k >= 0; --k) pack_act_tile_token(rows.data() + k * row, n, k, tile.data());
    for (int k = 0; k < kTileTokens; ++k) {
      const auto* blocks = reinterpret_cast<const BlockQ8_0*>(rows.data() + k * row);
      for (int64_t b = 0; b < nb; ++b) {
        for (int e = 0; e < kQK; ++e) {
          const size_t at = static_cast<size_t>(b) * kQK * kTileTokens + (e / 4) * kTileTokens * 4 + k * 4 + e % 4;
          REQUIRE(static_cast<int8_t>(tile[at]) == blocks[b].qs[e]);
        }
        uint16_t d;
        std::memcpy(&d, tile.data() + nb * kQK * kTileTokens + (b * kTileTokens + k) * 2, 2);
        REQUIRE(d == blocks[b].d);
        int16_t sum;
        std::memcpy(&sum, tile.data() + nb * (kQK * kTileTokens + 2 * kTileTokens) + (b * kTileTokens + k) * 2, 2);
        int want_sum = 0;
        for (int e = 0; e < kQK; ++e) want_sum += blocks[b].qs[e];
        REQUIRE(sum == want_sum);
      }
    }
    for (size_t i = act_tile_bytes(n); i < tile.size(); ++i) REQUIRE(tile[i] == 0x5a);  // nothing past the end
  }
}

TEST_CASE("tile kernels equal the single-token kernel of their level exactly", "[quant][vec_dot][tile]") {
  int num_checked = 0;
  for (CpuIsa isa : {CpuIsa::Scalar, CpuIsa::Avx2, CpuIsa::Avx512}) {
    if (!cpu_supports(isa)) continue;
    const QuantKernels& kernels = quant_kernels_for(isa);
    for (DType weight : {DType::Q8_0, DType::Q4_0}) {
      const VecDotTileFn tile_fn = kernels.vec_dot_tile(weight);
      const VecDotFn single = kernels.vec_dot(weight);
      if (tile_fn == nullptr) continue;
      INFO(cpu_isa_name(isa) << " " << dtype_name(weight));
      for (int64_t n : kTileLengths) {
        // rows 1..7 go as 4 + 2 + 1, 4 + 1, 2, 1 per step
        for (int64_t num_rows : {1, 2, 5, 7})
        for (int64_t num_tiles : {1, 2, 3})
        for (int last_tile_tokens : {kTileTokens, 1, 7}) {
          const int64_t num_tokens = num_tiles * kTileTokens;  // all packed; the last tile's tail must not be written
          std::mt19937 rng(static_cast<uint32_t>(n * 31 + num_rows * 7 + num_tiles));
          const size_t w_stride = row_nbytes(weight, n) + 6;
          const std::vector<uint8_t> w = make_weight_rows(weight, n, num_rows, w_stride, rng);
          const std::vector<uint8_t> act = make_token_rows(n, num_tokens, rng);
          const size_t row = row_nbytes(DType::Q8_0, n);
          const size_t tile_stride = act_tile_bytes(n) + 64;
          std::vector<uint8_t> tiles(tile_stride * static_cast<size_t>(num_tiles), 0x77);
          for (int64_t t = 0; t < num_tokens; ++t)
            pack_act_tile_token(act.data() + t * row, n, static_cast<int>(t % kTileTokens),
                                tiles.data() + (t / kTileTokens) * tile_stride);
          const size_t out_stride = static_cast<size_t>(num_rows) + 2;  // two sentinels after each token's rows
          std::vector<float> got(out_stride * static_cast<size_t>(num_tokens), -7.5f);
          tile_fn(n, w.data(), w_stride, num_rows, tiles.data(), num_tiles, tile_stride, last_tile_tokens, got.data(),
                  out_stride);
          const int64_t num_written = num_tokens - kTileTokens + last_tile_tokens;
          for (int64_t t = 0; t < num_tokens; ++t) {
            for (int64_t r = 0; r < num_rows && t >= num_written; ++r) REQUIRE(got[t * out_stride + r] == -7.5f);
            for (int64_t r = 0; r < num_rows && t < num_written; ++r) {
              float want = NAN;
              single(n, w.data() + r * w_stride, act.data() + t * row, &want);
              const float have = got[t * out_stride + r];
              INFO("n=" << n << " rows=" << num_rows << " token " << t << " row " << r << " tile " << have
                        << " single " << want);
              REQUIRE(std::isfinite(want));
              REQUIRE(std::bit_cast<uint32_t>(have) == std::bit_cast<uint32_t>(want));
            }
            CHECK(got[t * out_stride + num_rows] == -7.5f);
            CHECK(got[t * out_stride + num_rows + 1] == -7.5f);
          }
          ++num_checked;
        }
      }
    }
  }
  if (cpu_supports(CpuIsa::Avx512)) CHECK(num_checked == 2 * 11 * 4 * 3 * 3);
  else WARN("this CPU has no AVX-512 VNNI: no tile kernel was checked");
}

TEST_CASE("rows kernels equal the single-token kernel of their level exactly", "[quant][vec_dot][tile]") {
  int num_checked = 0;
  for (CpuIsa isa : {CpuIsa::Scalar, CpuIsa::Avx2, CpuIsa::Avx512}) {
    if (!cpu_supports(isa)) continue;
    const QuantKernels& kernels = quant_kernels_for(isa);
    for (DType weight : {DType::Q8_0, DType::Q4_0}) {
      const VecDotRowsFn rows_fn = kernels.vec_dot_rows(weight);
      const VecDotFn single = kernels.vec_dot(weight);
      if (rows_fn == nullptr) continue;
      INFO(cpu_isa_name(isa) << " " << dtype_name(weight));
      for (int64_t n : kTileLengths) {
        for (int64_t num_rows : {1, 7, 8, 9, 17}) {  // groups of 8 and every kind of tail
          std::mt19937 rng(static_cast<uint32_t>(n * 13 + num_rows));
          const size_t w_stride = row_nbytes(weight, n) + 10;
          const std::vector<uint8_t> w = make_weight_rows(weight, n, num_rows, w_stride, rng);
          const std::vector<uint8_t> act = make_token_rows(n, kTileTokens, rng);
          const size_t row = row_nbytes(DType::Q8_0, n);
          // 1..4 tokens per pass, starting at random, all-zero (3) and +-127 (5) tokens, with strided outputs
          for (int num_tokens = 1; num_tokens <= kMaxRowsKernelTokens; ++num_tokens)
          for (int64_t t0 : {0, 2, 5}) {
            const size_t out_stride = static_cast<size_t>(num_rows) + 3;  // sentinels after each token's rows
            std::vector<float> got(out_stride * static_cast<size_t>(num_tokens), -7.5f);
            rows_fn(n, w.data(), w_stride, num_rows, act.data() + t0 * row, row, num_tokens, got.data(), out_stride);
            for (int k = 0; k < num_tokens; ++k) {
              for (int64_t r = 0; r < num_rows; ++r) {
                float want = NAN;
                single(n, w.data() + r * w_stride, act.data() + (t0 + k) * row, &want);
                INFO("n=" << n << " rows=" << num_rows << " tokens=" << num_tokens << " token " << t0 + k << " row " << r);
                REQUIRE(std::isfinite(want));
                REQUIRE(std::bit_cast<uint32_t>(got[k * out_stride + static_cast<size_t>(r)]) ==
                        std::bit_cast<uint32_t>(want));
              }
              for (size_t j = static_cast<size_t>(num_rows); j < out_stride; ++j) CHECK(got[k * out_stride + j] == -7.5f);
            }
          }
          ++num_checked;
        }
      }
    }
  }
  if (cpu_supports(CpuIsa::Avx512)) CHECK(num_checked == 2 * 11 * 5);
  else WARN("this CPU has no AVX-512 VNNI: no rows kernel was checked");
}

TEST_CASE("tile kernel lookup: Q8_0/Q4_0 at AVX-512 only", "[quant][kernels][tile]") {
  for (CpuIsa isa : {CpuIsa::Scalar, CpuIsa::Avx2, CpuIsa::Avx512}) {
    if (!cpu_supports(isa)) continue;
    const QuantKernels& kernels = quant_kernels_for(isa);
    INFO(cpu_isa_name(isa));
    const bool expected = isa == CpuIsa::Avx512;
    CHECK((kernels.vec_dot_tile(DType::Q8_0) != nullptr) == expected);
    CHECK((kernels.vec_dot_tile(DType::Q4_0) != nullptr) == expected);
    CHECK(kernels.vec_dot_tile(DType::Q8_0) == kernels.vec_dot_tile_q8_0_q8);
    CHECK(kernels.vec_dot_tile(DType::Q4_0) == kernels.vec_dot_tile_q4_0_q8);
    CHECK((kernels.vec_dot_rows(DType::Q8_0) != nullptr) == expected);
    CHECK((kernels.vec_dot_rows(DType::Q4_0) != nullptr) == expected);
    for (DType other : {DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::F32,
                        DType::F16, DType::BF16}) {
      INFO(dtype_name(other));
      CHECK(kernels.vec_dot_tile(other) == nullptr);
      CHECK(kernels.vec_dot_rows(other) == nullptr);
    }
  }
}
