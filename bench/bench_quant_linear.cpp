// bench_quant_linear: CpuBackend::linear throughput for quantized weights (Q8_0, Q4_0) at batch sizes of
// batched decode (T = 1, 8, 16, 32, 64) and prefill (T = 512), for the Qwen3-0.6B shapes (gate/up
// [3072 x 1024], down [1024 x 3072], lm_head [151936 x 1024]). Reports time per call, GOP/s (2 ops per
// multiply-add) and the fraction of the INT8 vpdpbusd peak given by --peak (default 1155 GOP/s per thread:
// /work/shared/tools/peakflops.c on the Zen 5 host this was tuned on; rerun it on yours). Printed, not asserted.
// --model FILE.gguf: instead, one decode step's linears of a real model (every 2D weight but the embedding
// table, which counts as the lm_head when the file has no output.weight) for each T: the linear-only
// ceiling of batched decode, in rows (sequences x steps) per second.
// Usage: bench_quant_linear [--threads N] [--peak GOPS_PER_THREAD] [--tokens T,T,..] [--format Q8_0|Q4_0]
//        [--lm-head] [--model FILE.gguf]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_timing.h"
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/loader/gguf_file.h"
#include "engine/backend/cpu/quant/quantize.h"

using namespace edgeserve;
using edgeserve::bench::seconds_per_call;

namespace {

std::vector<uint8_t> random_weight(DType dtype, int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.05f);
  const size_t row_bytes = row_nbytes(dtype, cols);
  std::vector<uint8_t> bytes(row_bytes * static_cast<size_t>(rows));
  std::vector<float> row(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    for (auto& v : row) v = dist(rng);
    quant::quantize_row(dtype, row.data(), bytes.data() + static_cast<size_t>(r) * row_bytes, cols);
  }
  return bytes;
}

std::vector<int64_t> parse_list(const std::string& s) {
  std::vector<int64_t> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) v.push_back(std::stoll(item));
  return v;
}

// All linears of one model step per T, weights as stored in the file (streamed from DRAM as in decode).
int bench_model(cpu::CpuBackend& backend, const std::string& path, const std::vector<int64_t>& token_counts,
                double peak) {
  const GgufFile file = GgufFile::open(path);
  const bool has_output = file.tensor("output.weight") != nullptr;
  std::vector<Weight> weights;
  double macs_per_row = 0.0;
  for (const TensorView& view : file.tensors()) {
    if (view.shape.size() != 2 || !is_quantized(view.dtype)) continue;
    if (view.name == "token_embd.weight" && has_output) continue;
    weights.push_back(backend.prepare_weight(view));
    macs_per_row += static_cast<double>(view.shape[0]) * view.shape[1];
  }
  std::printf("%s: %zu quantized linears, %.0f M multiply-adds per row\n", path.c_str(), weights.size(),
              macs_per_row / 1e6);
  for (int64_t tokens : token_counts) {
    std::vector<DeviceBuffer> xs, ys;
    for (const Weight& w : weights) {
      const int64_t in = w.view.shape[1], out = w.view.shape[0];
      xs.push_back(backend.allocate(DType::F32, std::vector<int64_t>{tokens, in}));
      ys.push_back(backend.allocate(DType::F32, std::vector<int64_t>{tokens, out}));
      std::mt19937 rng(3);
      std::normal_distribution<float> dist(0.0f, 1.0f);
      std::generate(xs.back().tensor().f32(), xs.back().tensor().f32() + tokens * in, [&] { return dist(rng); });
    }
    const double s = seconds_per_call([&] {
      for (size_t i = 0; i < weights.size(); ++i) backend.linear(xs[i].tensor(), weights[i], nullptr, ys[i].tensor());
    }, 3.0);
    const double gops = 2.0 * macs_per_row * static_cast<double>(tokens) / s / 1e9;
    std::printf("  step T=%4lld: %9.2f ms  %7.1f GOP/s  %5.1f%% of peak  %7.1f rows/s\n",
                static_cast<long long>(tokens), s * 1e3, gops, 100.0 * gops / peak, tokens / s);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  double peak_per_thread = 1155.0;
  std::vector<int64_t> token_counts = {1, 8, 16, 32, 64, 512};
  DType dtype = DType::Q8_0;
  bool lm_head = false;
  std::string model;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--threads" && has_value) threads = std::atoi(argv[++i]);
    else if (arg == "--peak" && has_value) peak_per_thread = std::atof(argv[++i]);
    else if (arg == "--tokens" && has_value) token_counts = parse_list(argv[++i]);
    else if (arg == "--format" && has_value) dtype = std::string(argv[++i]) == "Q4_0" ? DType::Q4_0 : DType::Q8_0;
    else if (arg == "--lm-head") lm_head = true;
    else if (arg == "--model" && has_value) model = argv[++i];
    else {
      std::fprintf(stderr, "usage: %s [--threads N] [--peak GOPS] [--tokens T,..] [--format Q8_0|Q4_0] [--lm-head]\n",
                   argv[0]);
      return 2;
    }
  }
  cpu::CpuBackend backend(threads);
  struct Shape { const char* name; int64_t out, in; };
  std::vector<Shape> shapes = {{"gate/up 3072x1024", 3072, 1024}, {"down 1024x3072", 1024, 3072}};
  if (lm_head) shapes.push_back({"lm_head 151936x1024", 151936, 1024});
  const double peak = peak_per_thread * threads;
  if (!model.empty()) return bench_model(backend, model, token_counts, peak);
  std::printf("%s, %d threads, INT8 peak %.0f GOP/s\n", std::string(dtype_name(dtype)).c_str(), threads, peak);
  for (const Shape& shape : shapes) {
    const std::vector<uint8_t> bytes = random_weight(dtype, shape.out, shape.in, 7);
    const TensorView view{"w", dtype, {shape.out, shape.in}, bytes.data(), bytes.size()};
    const Weight w = backend.prepare_weight(view);
    for (int64_t tokens : token_counts) {
      DeviceBuffer x = backend.allocate(DType::F32, std::vector<int64_t>{tokens, shape.in});
      DeviceBuffer y = backend.allocate(DType::F32, std::vector<int64_t>{tokens, shape.out});
      std::mt19937 rng(3);
      std::normal_distribution<float> dist(0.0f, 1.0f);
      std::generate(x.tensor().f32(), x.tensor().f32() + tokens * shape.in, [&] { return dist(rng); });
      const double s = seconds_per_call([&] { backend.linear(x.tensor(), w, nullptr, y.tensor()); },
                                        shape.out > 100000 ? 2.0 : 0.6);
      const double gops = 2.0 * static_cast<double>(tokens) * shape.in * shape.out / s / 1e9;
      std::printf("  %-20s T=%4lld: %10.1f us  %7.1f GOP/s  %5.1f%% of peak  %7.0f rows/s\n", shape.name,
                  static_cast<long long>(tokens), s * 1e6, gops, 100.0 * gops / peak, tokens / s);
    }
  }
  return 0;
}
