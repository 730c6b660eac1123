// CudaBackend::store_kv and ::attention against the CpuBackend: one step mixing a prefill, a chunked
// prefill (cached prefix + new chunk) and decode rows, K/V over non-contiguous (shuffled) blocks, padding
// rows (slot -1) that store nothing, GQA and plain multi-head, F32 and F16 caches, head_dim not a multiple
// of 32. Both backends store the same K/V, so the caches must agree (NMSE <= 1e-10 after widening) and
// the attention outputs must agree to NMSE <= 1e-10.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "engine/backend/cpu/quant/fp16.h"
#include "tests/cuda/cuda_test_support.h"

using namespace edgeserve;
using edgeserve::test::BackendPair;
using edgeserve::test::make_buffer;
using edgeserve::test::nmse;
using edgeserve::test::random_floats;

namespace {

// A cache read back as F32 values (F16 caches widened on the host).
std::vector<float> read_cache(Backend& backend, const DeviceTensor& cache) {
  if (cache.dtype == DType::F32) return edgeserve::test::download(backend, cache);
  std::vector<uint16_t> half(static_cast<size_t>(cache.num_elements()));
  backend.copy_to_host(cache, half.data());
  std::vector<float> values(half.size());
  for (size_t i = 0; i < half.size(); ++i) values[i] = quant::fp16_to_fp32(half[i]);
  return values;
}

struct Sequence {
  int32_t cached;  // tokens already in the cache before this step
  int32_t q_len;   // new tokens this step
};

void check_mixed_step(DType kv_dtype, int64_t n_heads, int64_t n_kv_heads, int64_t head_dim, int64_t block_size) {
  BackendPair b;
  const std::vector<Sequence> seqs = {{0, 13}, {20, 7}, {40, 1}, {0, 1}, {5, 1}};  // prefill, chunk, decodes
  const int32_t num_seqs = static_cast<int32_t>(seqs.size());
  int32_t max_blocks = 0;
  for (const Sequence& s : seqs)
    max_blocks = std::max<int32_t>(max_blocks, static_cast<int32_t>((s.cached + s.q_len + block_size - 1) / block_size));
  const int64_t num_blocks = static_cast<int64_t>(num_seqs) * max_blocks + 3;

  // Blocks handed out from a shuffled pool: no sequence's blocks are contiguous or ordered.
  std::vector<int32_t> pool(static_cast<size_t>(num_blocks));
  std::iota(pool.begin(), pool.end(), 0);
  std::shuffle(pool.begin(), pool.end(), std::mt19937(61));
  std::vector<int32_t> block_tables(static_cast<size_t>(num_seqs) * max_blocks, -1);
  size_t next = 0;
  for (int32_t s = 0; s < num_seqs; ++s)
    for (int32_t j = 0; j < (seqs[s].cached + seqs[s].q_len + block_size - 1) / block_size; ++j)
      block_tables[s * max_blocks + j] = pool[next++];
  auto slot_of = [&](int32_t s, int32_t pos) {
    return static_cast<int64_t>(block_tables[s * max_blocks + pos / block_size]) * block_size + pos % block_size;
  };

  const int64_t kv_row = n_kv_heads * head_dim, q_row = n_heads * head_dim;
  const std::vector<int64_t> cache_shape = {num_blocks, block_size, n_kv_heads, head_dim};
  auto ckc = make_buffer(b.cpu, cache_shape, {}, kv_dtype), cvc = make_buffer(b.cpu, cache_shape, {}, kv_dtype);
  auto gkc = make_buffer(b.gpu, cache_shape, {}, kv_dtype), gvc = make_buffer(b.gpu, cache_shape, {}, kv_dtype);

  // 1) The cached prefixes, written by earlier steps: one store_kv with a padding row in the middle.
  std::vector<int64_t> prefix_slots;
  for (int32_t s = 0; s < num_seqs; ++s) {
    for (int32_t p = 0; p < seqs[s].cached; ++p) prefix_slots.push_back(slot_of(s, p));
    if (s == 1) prefix_slots.push_back(-1);
  }
  const int64_t prefix_rows = static_cast<int64_t>(prefix_slots.size());
  const auto pk = random_floats(static_cast<size_t>(prefix_rows * kv_row), 62);
  const auto pv = random_floats(static_cast<size_t>(prefix_rows * kv_row), 63);
  auto cpk = make_buffer(b.cpu, {prefix_rows, kv_row}, pk), cpv = make_buffer(b.cpu, {prefix_rows, kv_row}, pv);
  auto gpk = make_buffer(b.gpu, {prefix_rows, kv_row}, pk), gpv = make_buffer(b.gpu, {prefix_rows, kv_row}, pv);
  b.cpu.store_kv(cpk.tensor(), cpv.tensor(), prefix_slots, ckc.tensor(), cvc.tensor());
  b.gpu.store_kv(gpk.tensor(), gpv.tensor(), prefix_slots, gkc.tensor(), gvc.tensor());

  // 2) This step: the new tokens of every sequence, flattened in batch order.
  std::vector<int32_t> positions, query_start = {0}, context_lens;
  std::vector<int64_t> slots;
  for (int32_t s = 0; s < num_seqs; ++s) {
    for (int32_t i = 0; i < seqs[s].q_len; ++i) {
      positions.push_back(seqs[s].cached + i);
      slots.push_back(slot_of(s, seqs[s].cached + i));
    }
    query_start.push_back(static_cast<int32_t>(positions.size()));
    context_lens.push_back(seqs[s].cached + seqs[s].q_len);
  }
  const int64_t tokens = static_cast<int64_t>(positions.size());
  const auto k = random_floats(static_cast<size_t>(tokens * kv_row), 64);
  const auto v = random_floats(static_cast<size_t>(tokens * kv_row), 65);
  const auto q = random_floats(static_cast<size_t>(tokens * q_row), 66, -2.0f, 2.0f);
  auto ck = make_buffer(b.cpu, {tokens, kv_row}, k), cv = make_buffer(b.cpu, {tokens, kv_row}, v);
  auto gk = make_buffer(b.gpu, {tokens, kv_row}, k), gv = make_buffer(b.gpu, {tokens, kv_row}, v);
  b.cpu.store_kv(ck.tensor(), cv.tensor(), slots, ckc.tensor(), cvc.tensor());
  b.gpu.store_kv(gk.tensor(), gv.tensor(), slots, gkc.tensor(), gvc.tensor());
  CHECK(nmse(read_cache(b.gpu, gkc.tensor()), read_cache(b.cpu, ckc.tensor())) <= 1e-10);
  CHECK(nmse(read_cache(b.gpu, gvc.tensor()), read_cache(b.cpu, cvc.tensor())) <= 1e-10);

  AttentionMetadata md;
  md.positions = positions;
  md.slot_mapping = slots;
  md.query_start = query_start;
  md.context_lens = context_lens;
  md.block_tables = block_tables;
  md.max_blocks_per_seq = max_blocks;
  for (int32_t& id : block_tables) id = std::max(id, 0);  // unused table entries: any valid id
  auto cq = make_buffer(b.cpu, {tokens, q_row}, q), gq = make_buffer(b.gpu, {tokens, q_row}, q);
  auto co = make_buffer(b.cpu, {tokens, q_row}), go = make_buffer(b.gpu, {tokens, q_row});
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  b.cpu.attention(cq.tensor(), ckc.tensor(), cvc.tensor(), md, scale, co.tensor());
  b.gpu.attention(gq.tensor(), gkc.tensor(), gvc.tensor(), md, scale, go.tensor());
  const auto want = edgeserve::test::download(b.cpu, co.tensor());
  const auto got = edgeserve::test::download(b.gpu, go.tensor());
  CHECK(nmse(got, want) <= 1e-10);
}

}  // namespace

TEST_CASE("cuda: paged attention with mixed prefill, chunked prefill and decode matches the CPU",
          "[cuda][attention]") {
  SECTION("GQA 8/2, head_dim 64, block 16, F32 cache") { check_mixed_step(DType::F32, 8, 2, 64, 16); }
  SECTION("GQA 8/2, head_dim 64, block 16, F16 cache") { check_mixed_step(DType::F16, 8, 2, 64, 16); }
  SECTION("MHA 4/4, head_dim 128, block 8, F16 cache") { check_mixed_step(DType::F16, 4, 4, 128, 8); }
  SECTION("GQA 9/3, head_dim 80, block 4, F32 cache") { check_mixed_step(DType::F32, 9, 3, 80, 4); }
  SECTION("GQA 16/1, head_dim 256, block 32, F16 cache") { check_mixed_step(DType::F16, 16, 1, 256, 32); }
}
