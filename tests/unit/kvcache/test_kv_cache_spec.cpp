// KV-cache sizing arithmetic against values worked out by hand: bytes per block, the CPU default budget, the
// GPU budget (gpu_memory_utilization of what the weights leave free) and blocks per budget with its cap.
#include <catch2/catch.hpp>

#include "kvcache/kv_cache_spec.h"

using namespace edgeserve;

namespace {
constexpr int64_t kGiB = int64_t{1} << 30;
}

TEST_CASE("kv sizing: bytes per block and per token", "[kvcache][sizing]") {
  // Qwen3-0.6B: 28 layers, 8 KV heads of 128, F16: 2 * 28 * 16 * 8 * 128 * 2 = 1835008 bytes per block.
  const KvCacheSpec spec{28, 8, 128, 16, 2};
  CHECK(spec.bytes_per_block() == 1835008);
  CHECK(spec.bytes_per_token() == 114688);
}

TEST_CASE("kv sizing: the CPU default is a quarter of RAM, at most 4 GiB", "[kvcache][sizing]") {
  CHECK(default_kv_cache_memory(8 * kGiB) == 2 * kGiB);
  CHECK(default_kv_cache_memory(64 * kGiB) == 4 * kGiB);
}

TEST_CASE("kv sizing: the GPU budget is the fraction of memory free after the weights", "[kvcache][sizing]") {
  CHECK(gpu_kv_cache_memory(10 * kGiB, 2 * kGiB, 0.9) == static_cast<int64_t>(8.0 * 0.9 * static_cast<double>(kGiB)));
  CHECK(gpu_kv_cache_memory(10 * kGiB, 2 * kGiB, 1.0) == 8 * kGiB);
  CHECK(gpu_kv_cache_memory(10 * kGiB, 2 * kGiB, 0.5) == 4 * kGiB);
  CHECK(gpu_kv_cache_memory(1000, 0, 0.999) == 999);   // rounded down, never past the fraction
  CHECK(gpu_kv_cache_memory(2 * kGiB, 2 * kGiB, 0.9) == 0);   // the weights take everything
  CHECK(gpu_kv_cache_memory(1 * kGiB, 3 * kGiB, 0.9) == 0);   // the weights do not fit: no negative budget
}

TEST_CASE("kv sizing: blocks for a budget, capped at what the sequences can use", "[kvcache][sizing]") {
  const KvCacheSpec spec{2, 2, 32, 16, 4};   // 2 * 2 * 16 * 2 * 32 * 4 = 16384 bytes per block
  REQUIRE(spec.bytes_per_block() == 16384);
  CHECK(num_kv_blocks_for_memory(spec, 16384 * 10 + 100, 1000) == 10);
  CHECK(num_kv_blocks_for_memory(spec, 16384 * 10, 4) == 4);
  CHECK(num_kv_blocks_for_memory(spec, 16383, 1000) == 0);
}
