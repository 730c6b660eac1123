// CUDA graphs of decode steps (engine/backend/cuda/step_graphs.h, engine/graph_padding.h) against the same
// steps run eagerly. Two ModelRunners on the tiny random checkpoints of tests/fixtures/golden, each on its own
// CudaBackend: one with enforce_eager (the reference), one padding decode steps to graph batch sizes. Both run
// the same steps: a mixed prefill, decode steps of 5, 3 and 1 sequences whose block tables cross a
// power-of-two width (a new graph key mid-run), and a prefill interleaved between replays. Every step's
// logits rows are compared by NMSE: <= 1e-8 with an F32 KV cache, <= 1e-6 with F16 (cuBLAS may pick another
// kernel for the padded row count: summation order only). The graph backend's counters show that keys were
// recorded, captured and replayed, and that nothing was refused, except where a test makes a step differ from
// its recording or cancels a bracket.
#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/backend/cuda/cuda_backend.h"
#include "engine/graph_padding.h"
#include "engine/model_runner.h"
#include "tests/cuda/cuda_test_support.h"
#include "tests/unit/engine/engine_test_util.h"

using namespace edgeserve;
using namespace edgeserve::test;

namespace {

constexpr int64_t kBlockSize = 16;
constexpr int64_t kBlocksPerSeq = 16;  // 256 tokens per sequence
constexpr int64_t kMaxSeqs = 8;        // graph batch sizes 1, 2, 4, 8
constexpr int64_t kMaxBatchedTokens = 512;

struct TestSequence {
  std::vector<int32_t> tokens;
  std::vector<int32_t> block_table;
  int64_t num_computed = 0;
};

// Sequence s owns blocks [s * kBlocksPerSeq, (s + 1) * kBlocksPerSeq).
std::vector<TestSequence> make_sequences(const std::vector<int32_t>& prompt_lens, int32_t vocab) {
  std::mt19937 rng(42);
  std::vector<TestSequence> seqs;
  for (size_t s = 0; s < prompt_lens.size(); ++s) {
    TestSequence seq;
    seq.tokens = random_prompt(rng, prompt_lens[s], vocab);
    for (int64_t b = 0; b < kBlocksPerSeq; ++b) seq.block_table.push_back(static_cast<int32_t>(s * kBlocksPerSeq + b));
    seqs.push_back(std::move(seq));
  }
  return seqs;
}

// Every active sequence computes its uncomputed tokens and samples.
ForwardBatch prepare(const std::vector<TestSequence>& seqs, const std::vector<size_t>& active) {
  SchedulerOutput output;
  for (size_t s : active) {
    const TestSequence& seq = seqs[s];
    ScheduledSequence scheduled;
    scheduled.seq_id = static_cast<int64_t>(s);
    scheduled.token_ids = seq.tokens;
    scheduled.block_table = seq.block_table;
    scheduled.num_computed_tokens = seq.num_computed;
    scheduled.num_new_tokens = static_cast<int32_t>(static_cast<int64_t>(seq.tokens.size()) - seq.num_computed);
    scheduled.samples = true;
    output.scheduled.push_back(scheduled);
  }
  ForwardBatch batch;
  ModelRunner::prepare(output, static_cast<int32_t>(kBlockSize), batch);
  return batch;
}

struct Runners {
  cuda::CudaBackend eager_gpu{0}, graph_gpu{0};
  ModelRunner eager, graphs;
  int64_t vocab;

  Runners(TinyModel& model, DType kv_dtype)
      : eager(model.files.config(), model.weights, eager_gpu, kMaxBatchedTokens, kMaxSeqs, spec(model, kv_dtype),
              kMaxSeqs * kBlocksPerSeq, kv_dtype, /*enforce_eager=*/true),
        graphs(model.files.config(), model.weights, graph_gpu, kMaxBatchedTokens, kMaxSeqs, spec(model, kv_dtype),
               kMaxSeqs * kBlocksPerSeq, kv_dtype, /*enforce_eager=*/false),
        vocab(model.files.config().vocab_size) {}

  static KvCacheSpec spec(TinyModel& model, DType kv_dtype) {
    const ModelConfig& c = model.files.config();
    return {c.num_hidden_layers, c.num_key_value_heads, c.head_dim, kBlockSize,
            static_cast<int64_t>(dtype_info(kv_dtype).block_bytes)};
  }

  // Runs one step on both runners, compares every logits row, appends the eager run's greedy token to each
  // active sequence. Returns the worst NMSE.
  double step(std::vector<TestSequence>& seqs, const std::vector<size_t>& active, double threshold, const std::string& what) {
    const ForwardBatch batch = prepare(seqs, active);
    const std::vector<float> want = copy(eager.execute(batch));
    const std::vector<float> got = copy(graphs.execute(batch));
    REQUIRE(want.size() == active.size() * static_cast<size_t>(vocab));
    REQUIRE(got.size() == want.size());
    double worst = 0;
    for (size_t r = 0; r < active.size(); ++r) {
      const std::span<const float> w(want.data() + r * vocab, static_cast<size_t>(vocab));
      const std::span<const float> g(got.data() + r * vocab, static_cast<size_t>(vocab));
      const double e = nmse(g, w);
      INFO(what << ", row " << r << " (sequence " << active[r] << ")");
      CHECK(e <= threshold);
      worst = std::max(worst, e);
      TestSequence& seq = seqs[active[r]];
      seq.num_computed = static_cast<int64_t>(seq.tokens.size());
      seq.tokens.push_back(static_cast<int32_t>(std::max_element(w.begin(), w.end()) - w.begin()));
    }
    return worst;
  }

  static std::vector<float> copy(std::span<const float> v) { return {v.begin(), v.end()}; }
};

struct GraphCase {
  const char* model;
  DType kv_dtype;
  double threshold;
  bool split_always;  // every attention launch split into 32-key partitions (the split kernels in graphs)
};

}  // namespace

TEST_CASE("cuda graphs: padded decode steps replay and match eager steps", "[cuda][graph]") {
  const GraphCase cases[] = {
      {"qwen3-tied", DType::F32, 1e-8, false},
      {"qwen3-tied", DType::F16, 1e-6, true},
      {"llama-untied-rope-scaling", DType::F32, 1e-8, true},
      {"qwen2-bias-tied", DType::F16, 1e-6, false},
  };
  for (const GraphCase& c : cases) {
    INFO(c.model << ", KV " << dtype_name(c.kv_dtype) << (c.split_always ? ", split attention" : ""));
    TinyModel model(c.model);
    Runners r(model, c.kv_dtype);
    REQUIRE_FALSE(r.graph_gpu.graph_batch_sizes().empty());
    if (c.split_always)
      for (cuda::CudaBackend* gpu : {&r.eager_gpu, &r.graph_gpu})
        gpu->set_attention_split({cuda::AttentionSplitMode::kAlways, 32, 2});
    // Prompts of 3 .. 90 tokens; sequence 5 arrives later. TestSequence 4 grows from 90 to ~150 tokens: its block
    // table crosses 8 blocks, so its decode batches change graph key mid-run.
    std::vector<TestSequence> seqs = make_sequences({3, 17, 40, 64, 90, 33}, static_cast<int32_t>(r.vocab));
    double worst = r.step(seqs, {0, 1, 2, 3, 4}, c.threshold, "prefill");
    int64_t decode_steps = 0;
    for (int i = 0; i < 60; ++i) {
      std::vector<size_t> active = {0, 1, 2, 3, 4};  // B = 8 (5 padded)
      if (i >= 20) active = {0, 2, 4};                // B = 4
      if (i >= 45) active = {4};                      // B = 1
      if (i == 30) worst = std::max(worst, r.step(seqs, {5}, c.threshold, "prefill between replays"));
      worst = std::max(worst, r.step(seqs, active, c.threshold, "decode step " + std::to_string(i)));
      ++decode_steps;
    }
    const cuda::CudaBackend::GraphStats stats = r.graph_gpu.graph_stats();
    WARN(c.model << ": worst NMSE " << worst << "; graphs recorded " << stats.recorded << ", captured " << stats.captured
                 << ", replayed " << stats.replayed << ", refused " << stats.refused);
    CHECK(r.graphs.num_graph_steps() == decode_steps);
    CHECK(r.eager.num_graph_steps() == 0);
    CHECK(r.eager_gpu.graph_stats().recorded == 0);
    CHECK(stats.refused == 0);
    CHECK(stats.recorded >= 3);  // at least one key per batch size
    // Each decode step records, captures or replays. A key is captured again (not recorded) when a scratch
    // buffer grew since its capture: the interleaved prefill may grow the split scratch.
    CHECK(stats.recorded + stats.captured + stats.replayed == decode_steps);
    CHECK(stats.captured >= stats.recorded);
    CHECK(stats.num_graphs == stats.recorded);
  }
}

TEST_CASE("cuda graphs: a step that differs from its recording is refused and runs eagerly", "[cuda][graph]") {
  TinyModel model("qwen3-tied");
  Runners r(model, DType::F32);
  // Prompts of 20 and 23 tokens: through all 9 decode steps the contexts stay within 21 .. 32 tokens (2 blocks),
  // so every step has the one key B = 2, W = 2 (a prompt of 31 crosses into 3 blocks, W = 4, at the second step,
  // and the first decode step would record another key).
  std::vector<TestSequence> seqs = make_sequences({20, 23}, static_cast<int32_t>(r.vocab));
  r.step(seqs, {0, 1}, 1e-8, "prefill");
  for (int i = 0; i < 4; ++i) r.step(seqs, {0, 1}, 1e-8, "decode " + std::to_string(i));  // record, capture, replay
  cuda::CudaBackend::GraphStats before = r.graph_gpu.graph_stats();
  REQUIRE(before.replayed == 2);
  // Another attention plan changes the attention ops' signature: the replay is refused, the step re-runs
  // eagerly with the new plan (the eager reference switches too), and the key is recorded afresh.
  for (cuda::CudaBackend* gpu : {&r.eager_gpu, &r.graph_gpu}) gpu->set_attention_split({cuda::AttentionSplitMode::kAlways, 16, 2});
  r.step(seqs, {0, 1}, 1e-8, "refused step");
  cuda::CudaBackend::GraphStats after = r.graph_gpu.graph_stats();
  CHECK(after.refused == before.refused + 1);
  CHECK(after.replayed == before.replayed);
  for (int i = 0; i < 4; ++i) r.step(seqs, {0, 1}, 1e-8, "after refusal " + std::to_string(i));
  after = r.graph_gpu.graph_stats();
  CHECK(after.refused == before.refused + 1);
  CHECK(after.captured == before.captured + 1);
  CHECK(after.replayed == before.replayed + 2);
}

TEST_CASE("cuda graphs: a bracket cancelled while recording or capturing leaves the backend usable", "[cuda][graph]") {
  // What the decoder does when an op throws inside the bracket (Decoder::forward calls cancel_graph_step()).
  // The backend's own checks abort rather than throw, so the test opens and cancels brackets itself: one while
  // a key records (an op has run eagerly), one while it captures; then the decode steps go on and must still
  // match the eager runner.
  TinyModel model("qwen3-tied");
  Runners r(model, DType::F32);
  std::vector<TestSequence> seqs = make_sequences({12, 25, 7}, static_cast<int32_t>(r.vocab));
  r.step(seqs, {0, 1, 2}, 1e-8, "prefill");
  DeviceBuffer a = make_buffer(r.graph_gpu, {4, 8}, random_floats(32, 1));
  DeviceBuffer b = make_buffer(r.graph_gpu, {4, 8}, random_floats(32, 2));
  DeviceBuffer sum = make_buffer(r.graph_gpu, {4, 8});
  auto cancelled_bracket = [&](uint64_t k) {
    r.graph_gpu.begin_graph_step(k);
    r.graph_gpu.add(a.tensor(), b.tensor(), sum.tensor());
    r.graph_gpu.cancel_graph_step();
  };
  // The decode key of these sequences: B = 4 (3 padded), W = the power of two covering their block tables.
  ForwardBatch padded;
  const std::optional<uint64_t> decode_key = pad_decode_batch(prepare(seqs, {0, 1, 2}), r.graphs.graph_batch_sizes(), padded);
  REQUIRE(decode_key);
  cancelled_bracket(*decode_key);  // records: the add ran eagerly, then the record is abandoned
  CHECK(download(r.graph_gpu, sum.tensor())[0] == random_floats(32, 1)[0] + random_floats(32, 2)[0]);
  r.step(seqs, {0, 1, 2}, 1e-8, "records the key");
  cancelled_bracket(*decode_key);  // captures: the capture is ended and dropped, the key starts over
  for (int i = 0; i < 4; ++i) r.step(seqs, {0, 1, 2}, 1e-8, "decode " + std::to_string(i));
  const cuda::CudaBackend::GraphStats stats = r.graph_gpu.graph_stats();
  CHECK(stats.captured == 1);
  CHECK(stats.replayed == 2);
  CHECK(stats.refused == 0);
  CHECK(stats.num_graphs == 1);
}

TEST_CASE("cuda graphs: a scratch buffer that moves makes the next replay capture again", "[cuda][graph]") {
  // Graphs bake in the split-attention scratch's address; an eager step that grows it bumps the backend's
  // memory epoch, and the key's next step must capture afresh (not replay a graph reading freed memory).
  TinyModel model("qwen3-tied");
  Runners r(model, DType::F32);
  std::vector<TestSequence> seqs = make_sequences({20, 23, 40}, static_cast<int32_t>(r.vocab));
  r.step(seqs, {0, 1}, 1e-8, "prefill");
  for (int i = 0; i < 4; ++i) r.step(seqs, {0, 1}, 1e-8, "decode " + std::to_string(i));  // record, capture, replay
  const cuda::CudaBackend::GraphStats before = r.graph_gpu.graph_stats();
  REQUIRE(before.replayed == 2);
  // A prefill split into one-block partitions needs a split scratch of T x heads x partitions vectors: it grows.
  for (cuda::CudaBackend* gpu : {&r.eager_gpu, &r.graph_gpu}) gpu->set_attention_split({cuda::AttentionSplitMode::kAlways, 16, 2});
  r.step(seqs, {2}, 1e-8, "prefill with a growing split scratch");
  for (cuda::CudaBackend* gpu : {&r.eager_gpu, &r.graph_gpu}) gpu->set_attention_split({});
  for (int i = 0; i < 2; ++i) r.step(seqs, {0, 1}, 1e-8, "after the scratch moved " + std::to_string(i));
  const cuda::CudaBackend::GraphStats after = r.graph_gpu.graph_stats();
  CHECK(after.recorded == before.recorded);
  CHECK(after.captured == before.captured + 1);
  CHECK(after.replayed == before.replayed + 1);
  CHECK(after.refused == 0);
}
