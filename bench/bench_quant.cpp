// bench_quant: single-thread mat-vec throughput of the dot kernels, in GB/s of weight bytes read, per
// weight format and ISA level, for the Qwen3-0.6B MLP shape (gate/up: 3072 rows x 1024; down: 1024 x 3072).
// "hot": one matrix reused (cache-resident: L2/L3); "cold": cycling through copies totalling >= 256 MiB,
// so the weights stream from DRAM as in decode. Includes quantizing the activation once per mat-vec.
// Then, for the formats with tile kernels (AVX-512 Q8_0/Q4_0), the batched GEMM of 32 tokens (two
// activation tiles, as in 32-sequence decode) in GOP/s (2 * rows * cols * tokens per second), cache-resident.
// Usage: bench_quant [SECONDS_PER_POINT=0.3] [FORMAT...] (e.g. Q4_0 Q8_0; default all). Printed, not asserted.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_timing.h"
#include "engine/backend/cpu/quant/act_tile.h"
#include "engine/backend/cpu/quant/dequantize.h"
#include "engine/backend/cpu/quant/fp16.h"
#include "engine/backend/cpu/quant/kernels.h"
#include "engine/backend/cpu/quant/quantize.h"

using namespace edgeserve;
using namespace edgeserve::quant;

namespace {

std::vector<uint8_t> make_matrix(DType dtype, int64_t rows, int64_t cols, std::mt19937& rng) {
  const size_t row_bytes = row_nbytes(dtype, cols);
  std::vector<uint8_t> bytes(row_bytes * static_cast<size_t>(rows));
  if (dtype == DType::Q4_K || dtype == DType::Q5_K || dtype == DType::Q6_K) {
    std::uniform_int_distribution<int> byte(0, 255);
    for (auto& b : bytes) b = static_cast<uint8_t>(byte(rng));
    const size_t block_bytes = dtype_info(dtype).block_bytes;
    const uint16_t d = fp32_to_fp16(0.01f);
    for (size_t off = 0; off < bytes.size(); off += block_bytes) {
      std::memcpy(&bytes[off + (dtype == DType::Q6_K ? block_bytes - 2 : 0)], &d, 2);
      if (dtype != DType::Q6_K) std::memcpy(&bytes[off + 2], &d, 2);
    }
    return bytes;
  }
  std::normal_distribution<float> dist(0.0f, 0.05f);
  std::vector<float> row(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    for (auto& v : row) v = dist(rng);
    quantize_row(dtype, row.data(), bytes.data() + static_cast<size_t>(r) * row_bytes, cols);
  }
  return bytes;
}

struct Result { double hot_gbs, cold_gbs; };

Result run_point(const QuantKernels& kernels, DType dtype, int64_t rows, int64_t cols, double seconds) {
  std::mt19937 rng(42);
  const std::vector<uint8_t> matrix = make_matrix(dtype, rows, cols, rng);
  const size_t num_copies = std::max<size_t>(2, (256u << 20) / matrix.size() + 1);
  std::vector<uint8_t> copies(matrix.size() * num_copies);
  for (size_t c = 0; c < num_copies; ++c) std::copy(matrix.begin(), matrix.end(), copies.begin() + c * matrix.size());

  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(cols));
  for (auto& v : x) v = dist(rng);
  const DType act_dtype = activation_dtype(dtype);
  std::vector<uint8_t> act(row_nbytes(act_dtype, cols));
  std::vector<float> y(static_cast<size_t>(rows));
  const VecDotFn dot = kernels.vec_dot(dtype);
  const VecDotRowsFn dot_rows = kernels.vec_dot_rows(dtype);  // what the engine uses where it exists
  const size_t row_bytes = row_nbytes(dtype, cols);

  const auto measure = [&](bool cold) {
    size_t copy = 0, num_matvecs = 0;
    const auto start = std::chrono::steady_clock::now();
    double elapsed = 0.0;
    while (elapsed < seconds) {
      const uint8_t* w = cold ? copies.data() + copy * matrix.size() : matrix.data();
      quantize_row(act_dtype, x.data(), act.data(), cols);
      if (dot_rows != nullptr) dot_rows(cols, w, row_bytes, rows, act.data(), 0, 1, y.data(), 0);
      else for (int64_t r = 0; r < rows; ++r) dot(cols, w + static_cast<size_t>(r) * row_bytes, act.data(), &y[r]);
      copy = (copy + 1) % num_copies;
      ++num_matvecs;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    return static_cast<double>(matrix.size()) * num_matvecs / elapsed / 1e9;
  };
  measure(false);  // warm up
  return {measure(false), measure(true)};
}

// GOP/s of the tile kernel: rows x cols weights against kTokens tokens, cache-resident.
double run_tile_point(const QuantKernels& kernels, DType dtype, int64_t rows, int64_t cols, double seconds) {
  constexpr int kTokens = 2 * kTileTokens;
  std::mt19937 rng(7);
  const std::vector<uint8_t> matrix = make_matrix(dtype, rows, cols, rng);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(cols));
  const size_t tile_bytes = act_tile_bytes(cols);
  std::vector<uint8_t> act(row_nbytes(DType::Q8_0, cols)), tiles(2 * tile_bytes);
  for (int t = 0; t < kTokens; ++t) {
    for (auto& v : x) v = dist(rng);
    quantize_row(DType::Q8_0, x.data(), act.data(), cols);
    pack_act_tile_token(act.data(), cols, t % kTileTokens, tiles.data() + (t / kTileTokens) * tile_bytes);
  }
  std::vector<float> y(static_cast<size_t>(rows) * kTokens);
  const VecDotTileFn tile = kernels.vec_dot_tile(dtype);
  const auto once = [&] {
    tile(cols, matrix.data(), row_nbytes(dtype, cols), rows, tiles.data(), 2, tile_bytes, kTileTokens, y.data(),
         static_cast<size_t>(rows));
  };
  const double seconds_per_gemm = bench::seconds_per_call(once, seconds);
  return 2.0 * static_cast<double>(rows * cols) * kTokens / seconds_per_gemm / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::max(0.05, std::atof(argv[1])) : 0.3;
  std::vector<DType> formats = {DType::F32, DType::F16, DType::BF16, DType::Q8_0, DType::Q4_0, DType::Q4_1,
                                DType::Q5_0, DType::Q5_1, DType::Q4_K, DType::Q5_K, DType::Q6_K};
  if (argc > 2) {
    formats.clear();
    for (int i = 2; i < argc; ++i) {
      const auto dtype = dtype_from_name(argv[i]);
      if (!dtype || !has_vec_dot(*dtype)) {
        std::fprintf(stderr, "bench_quant: no dot kernel for format '%s'\n", argv[i]);
        return 2;
      }
      formats.push_back(*dtype);
    }
  }
  struct Shape { const char* name; int64_t rows, cols; };
  const Shape shapes[] = {{"gate/up 3072x1024", 3072, 1024}, {"down 1024x3072", 1024, 3072}};
  std::printf("bench_quant: single thread, GB/s of weight bytes read per mat-vec (hot = cache-resident, "
              "cold = streamed from DRAM)\n");
  for (const Shape& shape : shapes) {
    std::printf("\n%s\n%-6s %10s", shape.name, "format", "MiB");
    for (CpuIsa isa : {CpuIsa::Scalar, CpuIsa::Avx2, CpuIsa::Avx512}) {
      if (cpu_supports(isa)) std::printf("  %8s hot/cold", std::string(cpu_isa_name(isa)).c_str());
    }
    std::printf("\n");
    for (DType dtype : formats) {
      const double mib = static_cast<double>(row_nbytes(dtype, shape.cols)) * shape.rows / (1 << 20);
      std::printf("%-6s %10.2f", std::string(dtype_name(dtype)).c_str(), mib);
      for (CpuIsa isa : {CpuIsa::Scalar, CpuIsa::Avx2, CpuIsa::Avx512}) {
        if (!cpu_supports(isa)) continue;
        const Result r = run_point(quant_kernels_for(isa), dtype, shape.rows, shape.cols, seconds);
        std::printf("  %7.2f / %6.2f", r.hot_gbs, r.cold_gbs);
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  if (!cpu_supports(CpuIsa::Avx512)) return 0;
  const QuantKernels& avx512 = quant_kernels_for(CpuIsa::Avx512);
  std::printf("\ntile GEMM, 32 tokens, avx512, GOP/s (cache-resident)\n%-6s", "format");
  for (const Shape& shape : shapes) std::printf("  %18s", shape.name);
  std::printf("\n");
  for (DType dtype : formats) {
    if (avx512.vec_dot_tile(dtype) == nullptr) continue;
    std::printf("%-6s", std::string(dtype_name(dtype)).c_str());
    for (const Shape& shape : shapes)
      std::printf("  %18.1f", run_tile_point(avx512, dtype, shape.rows, shape.cols, seconds));
    std::printf("\n");
  }
  return 0;
}
