// bench_cpu_ops: throughput of the CPU backend's hot ops, printed, not asserted.
//   BF16 linear mat-vec [1 x 1024] x [3072 x 1024]^T (hot: one weight, L3-resident; cold: 8 weights = 48 MB
//   cycled, more than the L3, so weights stream from DRAM), BF16 GEMM [512 x 1024] x [3072 x 1024]^T,
//   per ISA level at 1 and 2 threads; paged attention decode (16 heads, 8 KV heads, head_dim 128,
//   block_size 16) for 1 and 16 sequences at context 512.
// Compare the mat-vec GB/s with /work/shared/tools/membw.c and the GEMM GFLOP/s with peakflops.c.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "bench/bench_timing.h"
#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/quant/fp16.h"
#include "engine/backend/cpu/isa.h"

using namespace edgeserve;
using edgeserve::bench::seconds_per_call;

namespace {

std::vector<uint8_t> random_bf16(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<uint8_t> bytes(n * 2);
  for (size_t i = 0; i < n; ++i) {
    const uint16_t h = quant::fp32_to_bf16(dist(rng));
    std::memcpy(bytes.data() + 2 * i, &h, 2);
  }
  return bytes;
}

void bench_linear(int threads, cpu::IsaLevel level, int64_t tokens, int num_weights, const char* label) {
  cpu::CpuBackend backend(threads);
  cpu::set_isa_level(level);
  const int64_t in = 1024, out = 3072;
  std::vector<std::vector<uint8_t>> bytes;
  std::vector<Weight> weights;
  for (int i = 0; i < num_weights; ++i) bytes.push_back(random_bf16(static_cast<size_t>(in * out), 1 + i));
  for (int i = 0; i < num_weights; ++i) {
    TensorView v{"w", DType::BF16, {out, in}, bytes[i].data(), bytes[i].size()};
    weights.push_back(backend.prepare_weight(v));
  }
  DeviceBuffer x = backend.allocate(DType::F32, std::vector<int64_t>{tokens, in});
  DeviceBuffer y = backend.allocate(DType::F32, std::vector<int64_t>{tokens, out});
  std::fill(x.tensor().f32(), x.tensor().f32() + tokens * in, 0.5f);
  int next = 0;
  const double s = seconds_per_call([&] {
    backend.linear(x.tensor(), weights[next], nullptr, y.tensor());
    next = (next + 1) % num_weights;
  }, tokens > 1 ? 1.0 : 0.5);
  const double gflops = 2.0 * tokens * in * out / s / 1e9;
  const double gbytes = 2.0 * in * out / s / 1e9;
  std::printf("  %-26s %-11s threads %d: %9.1f us  %7.1f GFLOP/s  %6.1f GB/s of weights\n", label,
              std::string(cpu::isa_level_name(level)).c_str(), threads, s * 1e6, gflops, gbytes);
}

void bench_attention(int threads, int64_t num_seqs, DType kv_dtype) {
  cpu::CpuBackend backend(threads);
  cpu::set_isa_level(cpu::detected_isa_level());
  const int64_t n_heads = 16, n_kv = 8, head_dim = 128, block_size = 16, context = 512;
  const int64_t blocks_per_seq = context / block_size, num_blocks = num_seqs * blocks_per_seq;
  const std::vector<int64_t> cache_shape = {num_blocks, block_size, n_kv, head_dim};
  DeviceBuffer k_cache = backend.allocate(kv_dtype, cache_shape);
  DeviceBuffer v_cache = backend.allocate(kv_dtype, cache_shape);
  std::mt19937 rng(3);
  if (kv_dtype == DType::F32) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (int64_t i = 0; i < k_cache.tensor().num_elements(); ++i) {
      k_cache.tensor().f32()[i] = dist(rng);
      v_cache.tensor().f32()[i] = dist(rng);
    }
  }
  std::vector<int32_t> positions(num_seqs, context - 1), query_start(num_seqs + 1), context_lens(num_seqs, context);
  std::vector<int64_t> slots(num_seqs);
  std::vector<int32_t> block_tables(num_blocks);
  for (int64_t s = 0; s <= num_seqs; ++s) query_start[s] = static_cast<int32_t>(s);
  for (int64_t b = 0; b < num_blocks; ++b) block_tables[b] = static_cast<int32_t>((b * 7919) % num_blocks);
  AttentionMetadata md{positions, slots, query_start, context_lens, block_tables, static_cast<int32_t>(blocks_per_seq)};
  DeviceBuffer q = backend.allocate(DType::F32, std::vector<int64_t>{num_seqs, n_heads * head_dim});
  DeviceBuffer o = backend.allocate(DType::F32, std::vector<int64_t>{num_seqs, n_heads * head_dim});
  std::fill(q.tensor().f32(), q.tensor().f32() + q.tensor().num_elements(), 0.01f);
  const double s = seconds_per_call([&] {
    backend.attention(q.tensor(), k_cache.tensor(), v_cache.tensor(), md, 0.088f, o.tensor());
  }, 0.5);
  const double kv_bytes = 2.0 * num_seqs * context * n_kv * head_dim * (kv_dtype == DType::F32 ? 4 : 2);
  std::printf("  decode %2lld seqs ctx %lld KV %-4s threads %d: %9.1f us  %6.1f GB/s of K/V (each K/V row read once, shared by %lld q heads)\n",
              static_cast<long long>(num_seqs), static_cast<long long>(context),
              std::string(dtype_name(kv_dtype)).c_str(), threads, s * 1e6, kv_bytes / s / 1e9,
              static_cast<long long>(n_heads / n_kv));
}

}  // namespace

int main() {
  const cpu::IsaLevel best = cpu::detected_isa_level();
  std::printf("bench_cpu_ops: best ISA %s, default threads %d\n", std::string(cpu::isa_level_name(best)).c_str(),
              ThreadPool::default_num_threads());
  std::vector<cpu::IsaLevel> levels;
  for (cpu::IsaLevel l : {cpu::IsaLevel::kAvx512Bf16, cpu::IsaLevel::kAvx512, cpu::IsaLevel::kAvx2, cpu::IsaLevel::kScalar})
    if (l <= best) levels.push_back(l);
  std::printf("BF16 linear mat-vec [1 x 1024] x [3072 x 1024]^T (6 MB of weights):\n");
  for (cpu::IsaLevel level : levels)
    for (int threads : {1, 2}) bench_linear(threads, level, 1, 1, "hot (L3-resident)");
  for (cpu::IsaLevel level : levels)
    for (int threads : {1, 2}) bench_linear(threads, level, 1, 8, "cold (8 weights, 48 MB)");
  std::printf("BF16 linear GEMM [512 x 1024] x [3072 x 1024]^T (3.2 GFLOP):\n");
  for (cpu::IsaLevel level : levels) {
    if (level == cpu::IsaLevel::kScalar) continue;  // seconds per call; the mat-vec shows its speed
    for (int threads : {1, 2}) bench_linear(threads, level, 512, 1, "gemm");
  }
  std::printf("Paged attention decode (16 heads, 8 KV heads, head_dim 128, block 16):\n");
  for (DType kv : {DType::F16, DType::F32})
    for (int64_t seqs : {1, 16})
      for (int threads : {1, 2}) bench_attention(threads, seqs, kv);
  return 0;
}
