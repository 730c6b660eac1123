// bench_loader: wall time to open (mmap + parse + validate) a GGUF file, a safetensors file or an HF folder,
// best and median of N runs, and the tensor count/bytes seen. Usage: bench_loader PATH [RUNS=10]
// (scripts/default_model.sh prints the bundled SmolLM2 GGUF path). Measures the loader only.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/loader/gguf_file.h"
#include "engine/loader/load_error.h"
#include "engine/loader/safetensors_model.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.gguf|MODEL.safetensors|HF_FOLDER [RUNS]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const int runs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 10;
  std::vector<double> ms;
  size_t tensors = 0;
  size_t bytes = 0;
  try {
    for (int i = 0; i < runs; ++i) {
      const auto start = std::chrono::steady_clock::now();
      tensors = 0;
      bytes = 0;
      if (path.ends_with(".gguf")) {
        const auto file = edgeserve::GgufFile::open(path);
        for (const auto& t : file.tensors()) bytes += t.nbytes;
        tensors = file.tensors().size();
      } else {
        const auto model = edgeserve::SafetensorsModel::open(path);
        for (const auto& t : model.tensors()) bytes += t.nbytes;
        tensors = model.tensors().size();
      }
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
  } catch (const edgeserve::LoadError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%s: %zu tensors, %.1f MB of weights; load best %.2f ms, median %.2f ms over %d runs\n", path.c_str(), tensors,
              static_cast<double>(bytes) / 1e6, ms.front(), ms[ms.size() / 2], runs);
  return 0;
}
