// Paged attention against a naive full-matrix softmax(q K^T * scale + causal mask) V in double, written here
// over each sequence's whole K/V history. Scenarios: one-sequence prefill, batched decode with different
// context lengths, mixed prefill + decode + chunk, chunked prefill (second chunk attends to the first
// chunk's stored K/V); GQA ratios 1/2/4; block_size 16 with shuffled (non-contiguous) block ids; F32 and F16
// K/V storage (the reference reads the F16-rounded K/V); scalar and AVX-512 paths; 1 and 3 threads.
// Every step also checks that each sequence alone gives bitwise the rows it got in the batch.
// Tolerance: 2e-5 absolute (outputs are convex combinations of V in [-1, 1]).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/isa.h"
#include "tests/unit/cpu_backend/test_helpers.h"

using namespace edgeserve;

namespace {

constexpr int64_t kBlockSize = 16;

struct SeqState {
  std::vector<float> k, v;        // [context, n_kv * head_dim] the whole history
  std::vector<int32_t> blocks;    // physical block ids
  int32_t num_stored = 0;         // tokens already in the cache
};

struct Harness {
  cpu::CpuBackend& backend;
  int64_t n_heads, n_kv, head_dim;
  DType kv_dtype;
  DeviceBuffer k_cache, v_cache;
  std::vector<int32_t> free_blocks;  // shuffled: block tables are not contiguous
  std::vector<SeqState> seqs;
  uint32_t seed = 1;

  Harness(cpu::CpuBackend& b, int64_t heads, int64_t kv, int64_t hd, DType dtype, int64_t num_blocks)
      : backend(b), n_heads(heads), n_kv(kv), head_dim(hd), kv_dtype(dtype) {
    const std::vector<int64_t> shape = {num_blocks, kBlockSize, n_kv, head_dim};
    k_cache = backend.allocate(dtype, shape);
    v_cache = backend.allocate(dtype, shape);
    free_blocks.resize(num_blocks);
    std::iota(free_blocks.begin(), free_blocks.end(), 0);
    std::shuffle(free_blocks.begin(), free_blocks.end(), std::mt19937(42));
  }

  // One step: seq s gets num_new[s] new tokens (new sequences are added as needed). Stores their K/V,
  // runs attention and compares every output row against the naive reference.
  void step(const std::vector<int32_t>& num_new) {
    const int64_t row = n_kv * head_dim;
    std::vector<int32_t> positions, query_start = {0}, context_lens;
    std::vector<int64_t> slots;
    std::vector<float> k_new, v_new;
    if (seqs.size() < num_new.size()) seqs.resize(num_new.size());
    for (size_t s = 0; s < num_new.size(); ++s) {
      SeqState& seq = seqs[s];
      auto k = test::random_floats(num_new[s] * row, seed++);
      auto v = test::random_floats(num_new[s] * row, seed++);
      for (int32_t i = 0; i < num_new[s]; ++i) {
        const int32_t pos = seq.num_stored + i;
        if (pos % kBlockSize == 0) {
          seq.blocks.push_back(free_blocks.back());
          free_blocks.pop_back();
        }
        positions.push_back(pos);
        slots.push_back(static_cast<int64_t>(seq.blocks[pos / kBlockSize]) * kBlockSize + pos % kBlockSize);
      }
      if (kv_dtype == DType::F16) {  // the cache holds F16: so does the reference
        test::encode(k, DType::F16);
        test::encode(v, DType::F16);
      }
      k_new.insert(k_new.end(), k.begin(), k.end());
      v_new.insert(v_new.end(), v.begin(), v.end());
      seq.k.insert(seq.k.end(), k.begin(), k.end());
      seq.v.insert(seq.v.end(), v.begin(), v.end());
      seq.num_stored += num_new[s];
      query_start.push_back(query_start.back() + num_new[s]);
      context_lens.push_back(seq.num_stored);
    }
    int32_t max_blocks = 0;
    for (const SeqState& seq : seqs) max_blocks = std::max<int32_t>(max_blocks, static_cast<int32_t>(seq.blocks.size()));
    std::vector<int32_t> block_tables(num_new.size() * max_blocks, -1);  // padding is never read
    for (size_t s = 0; s < num_new.size(); ++s)
      std::copy(seqs[s].blocks.begin(), seqs[s].blocks.end(), block_tables.begin() + s * max_blocks);

    const int64_t t_rows = static_cast<int64_t>(positions.size());
    DeviceBuffer k_buf = test::upload(backend, k_new, {t_rows, row});
    DeviceBuffer v_buf = test::upload(backend, v_new, {t_rows, row});
    backend.store_kv(k_buf.tensor(), v_buf.tensor(), slots, k_cache.tensor(), v_cache.tensor());

    const auto q = test::random_floats(t_rows * n_heads * head_dim, seed++, -3.0f, 3.0f);
    DeviceBuffer q_buf = test::upload(backend, q, {t_rows, n_heads * head_dim});
    DeviceBuffer out_buf = backend.allocate(DType::F32, std::vector<int64_t>{t_rows, n_heads * head_dim});
    AttentionMetadata md;
    md.positions = positions;
    md.slot_mapping = slots;
    md.query_start = query_start;
    md.context_lens = context_lens;
    md.block_tables = block_tables;
    md.max_blocks_per_seq = max_blocks;
    const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
    backend.attention(q_buf.tensor(), k_cache.tensor(), v_cache.tensor(), md, scale, out_buf.tensor());
    const auto out = test::download(backend, out_buf);

    const int64_t group = n_heads / n_kv;
    int64_t num_checked = 0;
    for (size_t s = 0; s < num_new.size(); ++s) {
      const SeqState& seq = seqs[s];
      for (int32_t i = 0; i < num_new[s]; ++i) {
        const int64_t token = query_start[s] + i;
        const int64_t last_key = positions[token];  // causal: keys 0..own position
        for (int64_t h = 0; h < n_heads; ++h) {
          const float* qh = q.data() + (token * n_heads + h) * head_dim;
          const int64_t kvh = h / group;
          std::vector<double> scores(last_key + 1);
          double max_score = -1e300;
          for (int64_t j = 0; j <= last_key; ++j) {
            double dot = 0.0;
            for (int64_t d = 0; d < head_dim; ++d) dot += static_cast<double>(qh[d]) * seq.k[j * row + kvh * head_dim + d];
            scores[j] = dot * scale;
            max_score = std::max(max_score, scores[j]);
          }
          double denom = 0.0;
          for (double& sc : scores) denom += (sc = std::exp(sc - max_score));
          for (int64_t d = 0; d < head_dim; ++d) {
            double expected = 0.0;
            for (int64_t j = 0; j <= last_key; ++j) expected += scores[j] / denom * seq.v[j * row + kvh * head_dim + d];
            const float actual = out[(token * n_heads + h) * head_dim + d];
            if (std::fabs(actual - expected) > 2e-5) {
              INFO("seq " << s << " token " << i << " head " << h << " dim " << d << " context " << seq.num_stored);
              REQUIRE(actual == Approx(expected).margin(2e-5));
            }
            ++num_checked;
          }
        }
      }
    }
    REQUIRE(num_checked == t_rows * n_heads * head_dim);  // every output element was compared
    check_alone_equals_batched(q, out, md);
  }

  // Each sequence run alone (its own metadata, same cache) gives bitwise the rows it got in the batch:
  // greedy outputs must not depend on what else is batched.
  void check_alone_equals_batched(const std::vector<float>& q, const std::vector<float>& batched,
                                  const AttentionMetadata& md) {
    const int64_t row = n_heads * head_dim;
    for (int32_t s = 0; s < md.num_seqs(); ++s) {
      const int32_t begin = md.query_start[s], q_len = md.query_start[s + 1] - begin;
      if (q_len == 0) continue;
      const std::vector<float> q_seq(q.begin() + begin * row, q.begin() + (begin + q_len) * row);
      DeviceBuffer q_buf = test::upload(backend, q_seq, {q_len, row});
      DeviceBuffer out_buf = backend.allocate(DType::F32, std::vector<int64_t>{q_len, row});
      const std::vector<int32_t> query_start = {0, q_len};
      AttentionMetadata alone;
      alone.positions = md.positions.subspan(begin, q_len);
      alone.slot_mapping = md.slot_mapping.subspan(begin, q_len);
      alone.query_start = query_start;
      alone.context_lens = md.context_lens.subspan(s, 1);
      alone.block_tables = md.block_tables.subspan(static_cast<size_t>(s) * md.max_blocks_per_seq, md.max_blocks_per_seq);
      alone.max_blocks_per_seq = md.max_blocks_per_seq;
      backend.attention(q_buf.tensor(), k_cache.tensor(), v_cache.tensor(), alone,
                        1.0f / std::sqrt(static_cast<float>(head_dim)), out_buf.tensor());
      const auto out = test::download(backend, out_buf);
      for (int64_t i = 0; i < q_len * row; ++i)
        if (out[i] != batched[begin * row + i]) REQUIRE(out[i] == batched[begin * row + i]);
    }
  }
};

struct Config {
  int64_t n_heads, n_kv;
};

template <class Fn>
void for_each_config(Fn&& fn) {
  struct LevelGuard {
    ~LevelGuard() { cpu::set_isa_level(cpu::detected_isa_level()); }
  } guard;
  for (int threads : {1, 3}) {
    cpu::CpuBackend backend(threads);
    for (cpu::IsaLevel level : {cpu::IsaLevel::kScalar, cpu::detected_isa_level()}) {
      cpu::set_isa_level(level);
      for (Config c : {Config{2, 2}, Config{4, 2}, Config{8, 2}})  // GQA ratios 1, 2, 4
        for (DType kv_dtype : {DType::F32, DType::F16}) {
          INFO("threads " << threads << " isa " << cpu::isa_level_name(level) << " heads " << c.n_heads << "/"
                          << c.n_kv << " kv " << dtype_name(kv_dtype));
          fn(backend, c, kv_dtype);
        }
    }
  }
}

}  // namespace

TEST_CASE("attention: one sequence prefill", "[cpu_backend][attention]") {
  for_each_config([](cpu::CpuBackend& backend, Config c, DType kv) {
    Harness h(backend, c.n_heads, c.n_kv, 64, kv, 8);
    h.step({37});
  });
}

TEST_CASE("attention: batched decode of sequences with different context lengths", "[cpu_backend][attention]") {
  for_each_config([](cpu::CpuBackend& backend, Config c, DType kv) {
    Harness h(backend, c.n_heads, c.n_kv, 64, kv, 24);
    h.step({1, 15, 16, 49});  // prompts (context 1, 15, 16, 49) ...
    h.step({1, 1, 1, 1});     // ... then decode: contexts 2, 16, 17, 50 cross block boundaries
    h.step({1, 1, 1, 1});
  });
}

TEST_CASE("attention: mixed prefill - decode and prefill chunk in one call", "[cpu_backend][attention]") {
  for_each_config([](cpu::CpuBackend& backend, Config c, DType kv) {
    Harness h(backend, c.n_heads, c.n_kv, 40, kv, 24);  // head_dim 40: not a multiple of 16
    h.step({0, 33, 35});
    h.step({20, 1, 5});  // a new prompt of 20, a decode at context 34, a 5-token chunk at context 40
  });
}

TEST_CASE("attention: chunked prefill attends to the first chunk's stored K/V", "[cpu_backend][attention]") {
  for_each_config([](cpu::CpuBackend& backend, Config c, DType kv) {
    Harness h(backend, c.n_heads, c.n_kv, 64, kv, 8);
    h.step({24});
    h.step({15});
    h.step({1});
  });
}
