// A padded decode step through the whole model on the CPU backend (tiny F32 Qwen3 fixture), against the same
// step unpadded: the real rows' logits, the K/V the step leaves in the cache (padding rows store nothing:
// slot -1), the next step's logits, and that exactly R logits rows reach the host. The CPU backend ignores
// the graph bracket, so this exercises exactly the padding. Then ModelRunner with graphs on (a CPU backend
// that lists graph batch sizes) against ModelRunner with enforce_eager over the same steps.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/graph_padding.h"
#include "engine/model_runner.h"
#include "tests/test_paths.h"

using namespace edgeserve;

namespace {

constexpr int32_t kBlockSize = 4;
constexpr int64_t kNumBlocks = 16;
constexpr double kMaxNmse = 1e-10;

struct Model {
  ModelFiles files;
  ModelWeights weights;
  cpu::CpuBackend backend{2};
  explicit Model(const std::string& name)
      : files(ModelFiles::open(test::fixtures_dir() + "/golden/" + name)), weights(map_model_weights(files)) {}
  const ModelConfig& config() const { return files.config(); }
  KvCacheSpec kv_spec() const {
    return {config().num_hidden_layers, config().num_key_value_heads, config().head_dim, kBlockSize, 4};
  }
};

// Three sequences (prompts of 5, 9 and 3 tokens) with non-contiguous block tables; sequence 1 owns block 0,
// which padding rows read (never write), so a stray store there would change its keys.
struct Sequences {
  std::vector<std::vector<int32_t>> tokens;
  std::vector<std::vector<int32_t>> blocks{{3, 7}, {0, 4, 9}, {6, 11}};
  std::vector<int64_t> num_computed{0, 0, 0};

  explicit Sequences(int32_t vocab) {
    std::mt19937 rng(7);
    for (const int32_t length : {5, 9, 3}) {
      std::vector<int32_t> t(static_cast<size_t>(length));
      for (auto& id : t) id = static_cast<int32_t>(rng() % static_cast<uint32_t>(vocab));
      tokens.push_back(t);
    }
  }
  // The step that computes every sequence's uncomputed tokens, each sampling.
  ForwardBatch next_step() const {
    SchedulerOutput out;
    for (size_t s = 0; s < tokens.size(); ++s)
      out.scheduled.push_back({static_cast<int64_t>(s), tokens[s], blocks[s], num_computed[s],
                               static_cast<int32_t>(static_cast<int64_t>(tokens[s].size()) - num_computed[s]), true});
    ForwardBatch batch;
    ModelRunner::prepare(out, kBlockSize, batch);
    return batch;
  }
  // Appends the greedy token of each row of `logits` [S, vocab].
  void append_greedy(std::span<const float> logits, int64_t vocab) {
    for (size_t s = 0; s < tokens.size(); ++s) {
      const float* row = logits.data() + s * static_cast<size_t>(vocab);
      num_computed[s] = static_cast<int64_t>(tokens[s].size());
      tokens[s].push_back(static_cast<int32_t>(std::max_element(row, row + vocab) - row));
    }
  }
};

// sum (a - b)^2 / sum b^2 over the first `n` floats.
double nmse(const float* a, const float* b, size_t n) {
  double err = 0, ref = 0;
  for (size_t i = 0; i < n; ++i) {
    err += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    ref += static_cast<double>(b[i]) * b[i];
  }
  return err / ref;
}

bool same_bytes(const DeviceTensor& a, const DeviceTensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.data, b.data, a.nbytes()) == 0;
}

std::vector<float> nan_buffer(size_t rows, int64_t vocab) {
  return std::vector<float>(rows * static_cast<size_t>(vocab), std::numeric_limits<float>::quiet_NaN());
}

}  // namespace

TEST_CASE("graph padding: a padded decode step equals the unpadded one through the model (CPU)",
          "[engine][graph]") {
  // Reference: the same decode step unpadded through Decoder::forward on a second, identical KV cache.
  Model m("qwen3-tied");
  const int64_t vocab = m.config().vocab_size;
  Decoder decoder(m.config(), m.weights, m.backend, 64, 16);
  KvCache eager_kv(m.backend, m.kv_spec(), kNumBlocks, DType::F32);
  KvCache padded_kv(m.backend, m.kv_spec(), kNumBlocks, DType::F32);
  Sequences seqs(static_cast<int32_t>(vocab));

  // Prefill the three prompts in one step, into both caches.
  const ForwardBatch prefill = seqs.next_step();
  std::vector<float> logits(3 * static_cast<size_t>(vocab));
  for (KvCache* kv : {&eager_kv, &padded_kv})
    decoder.forward(prefill.token_ids, prefill.attention_metadata(), kv->layers(), prefill.logits_rows, logits.data());
  seqs.append_greedy(logits, vocab);

  // Decode: contexts 6, 10, 4 over tables of up to 3 blocks -> bucket 8 of {1, 2, 8}, width 4.
  const ForwardBatch decode = seqs.next_step();
  REQUIRE(decode.num_tokens() == 3);
  const std::vector<int32_t> sizes{1, 2, 8};
  ForwardBatch padded;
  const std::optional<uint64_t> key = pad_decode_batch(decode, sizes, padded);
  REQUIRE(key == graph_key(8, 4));
  REQUIRE(padded.num_tokens() == 8);

  std::vector<float> eager_logits = nan_buffer(16, vocab);
  std::vector<float> padded_logits = nan_buffer(16, vocab);
  decoder.forward(decode.token_ids, decode.attention_metadata(), eager_kv.layers(), decode.logits_rows,
                  eager_logits.data());
  const StepGraph graph{*key, static_cast<int64_t>(decode.logits_rows.size())};
  decoder.forward(padded.token_ids, padded.attention_metadata(), padded_kv.layers(), padded.logits_rows,
                  padded_logits.data(), &graph);

  // Exactly R = 3 rows reach the host: the sentinel NaNs after them stay.
  const size_t real = 3 * static_cast<size_t>(vocab);
  CHECK(std::all_of(padded_logits.begin(), padded_logits.begin() + static_cast<std::ptrdiff_t>(real),
                    [](float x) { return std::isfinite(x); }));
  CHECK(std::all_of(padded_logits.begin() + static_cast<std::ptrdiff_t>(real), padded_logits.end(),
                    [](float x) { return std::isnan(x); }));
  for (size_t s = 0; s < 3; ++s) {
    INFO("sequence " << s);
    const float* a = padded_logits.data() + s * static_cast<size_t>(vocab);
    const float* b = eager_logits.data() + s * static_cast<size_t>(vocab);
    CHECK(nmse(a, b, static_cast<size_t>(vocab)) <= kMaxNmse);
    // The CPU path is batch-invariant (each row's ops do not depend on the other rows), so bit-exact.
    CHECK(std::equal(a, a + vocab, b));
  }

  // The K/V both steps leave behind are identical: real rows stored the same, padding rows nothing.
  for (size_t l = 0; l < eager_kv.layers().size(); ++l) {
    INFO("layer " << l);
    CHECK(same_bytes(eager_kv.layers()[l].k, padded_kv.layers()[l].k));
    CHECK(same_bytes(eager_kv.layers()[l].v, padded_kv.layers()[l].v));
  }

  // A further decode step, unpadded on both caches, reads what the padded step wrote.
  seqs.append_greedy(std::span<const float>(eager_logits).first(real), vocab);
  const ForwardBatch next = seqs.next_step();
  std::vector<float> eager_next = nan_buffer(3, vocab), padded_next = nan_buffer(3, vocab);
  decoder.forward(next.token_ids, next.attention_metadata(), eager_kv.layers(), next.logits_rows, eager_next.data());
  decoder.forward(next.token_ids, next.attention_metadata(), padded_kv.layers(), next.logits_rows, padded_next.data());
  CHECK(nmse(padded_next.data(), eager_next.data(), eager_next.size()) <= kMaxNmse);
  CHECK(eager_next == padded_next);
}

namespace {

// The CPU backend plus a list of graph batch sizes: every op is the CpuBackend's own, run at once, so a
// bracket always "takes effect" (end_graph_step true). It records the brackets' keys.
class GraphSizesCpuBackend final : public Backend {
 public:
  GraphSizesCpuBackend(cpu::CpuBackend& cpu, std::vector<int32_t> sizes) : cpu_(cpu), sizes_(std::move(sizes)) {}
  std::vector<uint64_t> keys;
  bool in_bracket = false;

  std::string name() const override { return cpu_.name(); }
  DeviceBuffer allocate(DType dtype, std::span<const int64_t> shape) override {
    DeviceBuffer inner = cpu_.allocate(dtype, shape);
    const DeviceTensor t = inner.tensor();
    owned_.push_back(std::move(inner));   // freed with this backend (tests only allocate at construction)
    return DeviceBuffer(this, t);
  }
  void copy_to_device(const void* host, const DeviceTensor& dst) override { cpu_.copy_to_device(host, dst); }
  void copy_to_host(const DeviceTensor& src, void* host) override { cpu_.copy_to_host(src, host); }
  void synchronize() override { cpu_.synchronize(); }
  Weight prepare_weight(const TensorView& view) override { return cpu_.prepare_weight(view); }
  void embedding(const Weight& t, std::span<const int32_t> ids, const DeviceTensor& out) override {
    cpu_.embedding(t, ids, out);
  }
  void rms_norm(const DeviceTensor& x, const Weight& w, float eps, const DeviceTensor& out) override {
    cpu_.rms_norm(x, w, eps, out);
  }
  void rms_norm_heads(const DeviceTensor& x, const Weight& w, float eps) override { cpu_.rms_norm_heads(x, w, eps); }
  void linear(const DeviceTensor& x, const Weight& w, const Weight* b, const DeviceTensor& y) override {
    cpu_.linear(x, w, b, y);
  }
  void rope(const DeviceTensor& q, const DeviceTensor& k, std::span<const int32_t> p, const RopeConfig& c) override {
    cpu_.rope(q, k, p, c);
  }
  void store_kv(const DeviceTensor& k, const DeviceTensor& v, std::span<const int64_t> slots, const DeviceTensor& kc,
                const DeviceTensor& vc) override {
    cpu_.store_kv(k, v, slots, kc, vc);
  }
  void attention(const DeviceTensor& q, const DeviceTensor& kc, const DeviceTensor& vc, const AttentionMetadata& md,
                 float scale, const DeviceTensor& out) override {
    cpu_.attention(q, kc, vc, md, scale, out);
  }
  void silu_mul(const DeviceTensor& g, const DeviceTensor& u, const DeviceTensor& out) override {
    cpu_.silu_mul(g, u, out);
  }
  void add(const DeviceTensor& a, const DeviceTensor& b, const DeviceTensor& out) override { cpu_.add(a, b, out); }
  void gather_rows(const DeviceTensor& x, std::span<const int32_t> rows, const DeviceTensor& out) override {
    cpu_.gather_rows(x, rows, out);
  }
  std::span<const int32_t> graph_batch_sizes() const override { return sizes_; }
  void begin_graph_step(uint64_t key) override {
    REQUIRE_FALSE(in_bracket);
    in_bracket = true;
    keys.push_back(key);
  }
  bool end_graph_step() override {
    REQUIRE(in_bracket);
    in_bracket = false;
    return true;
  }
  void cancel_graph_step() override { in_bracket = false; }

 protected:
  void free_memory(void*) override {}   // the inner buffers in owned_ free themselves

 private:
  cpu::CpuBackend& cpu_;
  std::vector<int32_t> sizes_;
  std::vector<DeviceBuffer> owned_;
};

}  // namespace

TEST_CASE("graph padding: ModelRunner pads decode steps on a backend with graphs", "[engine][graph]") {
  // Reference: a ModelRunner with enforce_eager on the same backend, fed the same steps.
  Model m("qwen3-untied-mha");
  const int64_t vocab = m.config().vocab_size;
  GraphSizesCpuBackend backend(m.backend, {1, 2, 4, 8, 16});
  ModelRunner graphs(m.config(), m.weights, backend, 64, 8, m.kv_spec(), kNumBlocks, DType::F32);
  ModelRunner eager(m.config(), m.weights, backend, 64, 8, m.kv_spec(), kNumBlocks, DType::F32, true);
  CHECK(std::vector<int32_t>(graphs.graph_batch_sizes().begin(), graphs.graph_batch_sizes().end()) ==
        std::vector<int32_t>{1, 2, 4, 8});
  CHECK(eager.graph_batch_sizes().empty());
  {
    // The largest bucket is bounded by the tokens per step as well as by the sequences.
    ModelRunner few_tokens(m.config(), m.weights, backend, 3, 8, m.kv_spec(), kNumBlocks, DType::F32);
    CHECK(std::vector<int32_t>(few_tokens.graph_batch_sizes().begin(), few_tokens.graph_batch_sizes().end()) ==
          std::vector<int32_t>{1, 2, 3});
  }

  Sequences seqs(static_cast<int32_t>(vocab));
  for (int step = 0; step < 4; ++step) {   // a prefill, then three decode steps
    INFO("step " << step);
    const ForwardBatch batch = seqs.next_step();
    const std::span<float> a = graphs.execute(batch);
    const std::span<float> b = eager.execute(batch);
    REQUIRE(a.size() == 3 * static_cast<size_t>(vocab));
    REQUIRE(b.size() == a.size());
    CHECK(nmse(a.data(), b.data(), a.size()) <= kMaxNmse);
    CHECK(std::equal(a.begin(), a.end(), b.begin()));
    seqs.append_greedy(b, vocab);
  }
  CHECK(graphs.num_graph_steps() == 3);   // the prefill ran eagerly
  CHECK(eager.num_graph_steps() == 0);
  // Contexts 6..8, 10..12, 4..6 over tables of at most 3 blocks (block_size 4): bucket 4, width 4.
  CHECK(backend.keys == std::vector<uint64_t>{graph_key(4, 4), graph_key(4, 4), graph_key(4, 4)});
  CHECK_FALSE(backend.in_bracket);
}
