// The whole model on the CudaBackend against the CpuBackend (the reference), on the tiny random checkpoints
// of tests/fixtures/golden (F32 Llama / Qwen2 / Qwen3, tied and untied, GQA and MHA):
// - logits of a chunked prefill and of decode steps (SequenceRunner, the decoder the engine runs), per
//   weight type: F32 weights with F32 KV NMSE <= 1e-8 and with F16 KV NMSE <= 1e-6 (both backends round
//   K/V to F16 the same way; an input differing in the last bit can round the other way); weights converted
//   at load to BF16 NMSE <= 1e-3 (the GPU rounds activations to BF16 for cuBLAS, op NMSE 1e-5, compounded
//   over the layers); Q8_0 against the CPU's dequantize-reference mode (F32 activations both) NMSE <= 1e-8;
// - LLMEngine greedy tokens on the GPU alone vs batched vs chunked prefill (7 and 64 tokens per step) vs
//   preempted (tiny KV budget), and the GPU's tokens against the CPU's. Reduction order on the GPU depends
//   on the batch shape (cuBLAS picks kernels per shape), so "identical" allows one thing: where two token
//   lists first differ, the reference's logits for the two tokens must be a near tie (within 1e-4 of the
//   largest |logit|), checked by recomputing those logits; any other divergence fails;
// - KV cache exhaustion: preemption happens, every step keeps the scheduler's invariants, and every block is
//   free at the end;
// - many queued ops, each with its own metadata, through the pinned staging ring (wrap-around, growth).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/backend/cuda/cuda_backend.h"
#include "engine/backend/cuda/device_info.h"
#include "engine/model/weight_conversion.h"
#include "engine/sequence_runner.h"
#include "tests/cuda/cuda_test_support.h"
#include "tests/unit/engine/engine_test_util.h"

using namespace edgeserve;
using namespace edgeserve::test;

namespace {

const char* const kModels[] = {"qwen3-tied", "llama-untied-rope-scaling", "qwen2-bias-tied", "qwen3-untied-mha"};
constexpr int kNumRequests = 51;
constexpr int64_t kMaxTokens = 12;
constexpr double kNearTie = 1e-4;   // |logit a - logit b| / max |logit| below which greedy may pick either

int32_t argmax(std::span<const float> v) {
  return static_cast<int32_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

std::vector<float> copy_of(std::span<const float> v) { return {v.begin(), v.end()}; }

std::unique_ptr<LLMEngine> engine_on(Backend& backend, TinyModel& model, EngineOptions options, DType kv_dtype) {
  options.kv_dtype = kv_dtype;
  return std::make_unique<LLMEngine>(model.files.config(), model.weights, backend, options,
                                     model.files.config().eos_token_ids);
}

std::vector<std::vector<int32_t>> make_prompts(int32_t vocab) {
  std::mt19937 rng(1234);
  std::vector<std::vector<int32_t>> prompts;
  for (int i = 0; i < kNumRequests; ++i) prompts.push_back(random_prompt(rng, 1 + static_cast<int32_t>(rng() % 150), vocab));
  return prompts;
}

using Tokens = std::map<int64_t, std::vector<int32_t>>;

Tokens run_workload(LLMEngine& engine, const std::vector<std::vector<int32_t>>& prompts) {
  for (int i = 0; i < kNumRequests; ++i) add(engine, i, prompts[static_cast<size_t>(i)], greedy(kMaxTokens));
  Tokens tokens = run_to_completion(engine);
  CHECK(engine.scheduler().block_manager().num_free_blocks() == engine.num_kv_blocks());
  return tokens;
}

// Greedy token lists compared against a reference with the near-tie allowance of the file comment. The
// reference logits come from `runner` (a SequenceRunner on the reference's backend and KV dtype).
class GreedyComparison {
 public:
  GreedyComparison(TinyModel& model, Backend& reference_backend, DType kv_dtype)
      : runner_(model.files.config(), model.weights, reference_backend, 256, 64, kv_dtype) {}

  void check(const std::vector<int32_t>& prompt, const std::vector<int32_t>& want, const std::vector<int32_t>& got,
             const std::string& what) {
    INFO(what << ", prompt of " << prompt.size() << " tokens");
    REQUIRE(got.size() == want.size());
    const auto diverge = std::mismatch(want.begin(), want.end(), got.begin());
    if (diverge.first == want.end()) return;
    const auto at = static_cast<size_t>(diverge.first - want.begin());
    std::vector<int32_t> context = prompt;
    context.insert(context.end(), want.begin(), want.begin() + static_cast<std::ptrdiff_t>(at));
    runner_.reset();
    const std::vector<float> logits = copy_of(runner_.append(context));
    float max_abs = 0;
    for (float x : logits) max_abs = std::max(max_abs, std::abs(x));
    const double gap = std::abs(logits[static_cast<size_t>(want[at])] - logits[static_cast<size_t>(got[at])]) / max_abs;
    INFO("first difference at output token " << at << ": want " << want[at] << ", got " << got[at]
                                             << ", relative logit gap " << gap);
    if (gap <= kNearTie) ++num_near_ties_;
    CHECK(gap <= kNearTie);
  }
  int num_near_ties() const { return num_near_ties_; }

 private:
  SequenceRunner runner_;
  int num_near_ties_ = 0;
};

struct LogitsCase {
  const char* name;
  std::optional<DType> convert_to;  // weights converted at load (nullopt: the checkpoint's F32)
  DType kv_dtype;
  double threshold;
};

// Chunked prefill of a 100-token prompt (16 per step), then 24 decode steps fed the CPU's greedy token;
// the logits after the prefill and after every decode step compared by NMSE.
void compare_logits(const char* model_name, const LogitsCase& c) {
  TinyModel model(model_name);
  ConvertedWeights converted;
  if (c.convert_to) REQUIRE(converted.convert(model.weights, *c.convert_to) > 0);
  cpu::CpuBackend& cpu = model.backend;
  cpu.set_dequantize_reference(c.convert_to == DType::Q8_0);
  cuda::CudaBackend gpu(0);
  const ModelConfig& config = model.files.config();
  SequenceRunner on_cpu(config, model.weights, cpu, 160, 16, c.kv_dtype);
  SequenceRunner on_gpu(config, model.weights, gpu, 160, 16, c.kv_dtype);
  std::mt19937 rng(7);
  std::vector<int32_t> tokens = random_prompt(rng, 100, static_cast<int32_t>(config.vocab_size));
  double worst = 0;
  for (int step = 0; step <= 24; ++step) {
    const std::vector<float> want = copy_of(on_cpu.append(tokens));
    const std::vector<float> got = copy_of(on_gpu.append(tokens));
    REQUIRE(got.size() == want.size());
    const double e = nmse(got, want);
    INFO(model_name << " " << c.name << ", step " << step << " (0: prefill)");
    CHECK(e <= c.threshold);
    worst = std::max(worst, e);
    tokens = {argmax(want)};
  }
  WARN(model_name << " " << c.name << ": worst logits NMSE " << worst << " (threshold " << c.threshold << ")");
}

}  // namespace

TEST_CASE("cuda engine: logits match the CPU backend, prefill and decode", "[cuda][engine]") {
  const LogitsCase cases[] = {
      {"F32 weights, F32 KV", std::nullopt, DType::F32, 1e-8},
      {"F32 weights, F16 KV", std::nullopt, DType::F16, 1e-6},
      {"BF16 weights, F32 KV", DType::BF16, DType::F32, 1e-3},
      {"Q8_0 weights (CPU dequantize-reference), F32 KV", DType::Q8_0, DType::F32, 1e-8},
  };
  for (const char* name : kModels)
    for (const LogitsCase& c : cases) compare_logits(name, c);
}

TEST_CASE("cuda engine: greedy tokens alone, batched, chunked and preempted agree, and agree with the CPU",
          "[cuda][engine][batching]") {
  for (const char* name : kModels) {
    SECTION(name) {
      TinyModel model(name);
      cuda::CudaBackend gpu(0);
      const auto prompts = make_prompts(static_cast<int32_t>(model.files.config().vocab_size));
      EngineOptions base;
      base.num_kv_blocks = 1024;
      base.max_num_seqs = 64;
      base.enable_prefix_caching = false;

      // The reference: each request alone on the GPU.
      Tokens alone;
      for (int i = 0; i < kNumRequests; ++i) {
        auto engine = engine_on(gpu, model, base, DType::F32);
        add(*engine, i, prompts[static_cast<size_t>(i)], greedy(kMaxTokens));
        alone[i] = run_to_completion(*engine)[i];
        REQUIRE(alone[i].size() == static_cast<size_t>(kMaxTokens));
      }
      GreedyComparison on_gpu(model, gpu, DType::F32);
      auto compare_all = [&](GreedyComparison& cmp, const Tokens& want, const Tokens& got, const std::string& what) {
        REQUIRE(got.size() == want.size());
        for (int i = 0; i < kNumRequests; ++i)
          cmp.check(prompts[static_cast<size_t>(i)], want.at(i), got.at(i), what + ", request " + std::to_string(i));
      };

      compare_all(on_gpu, alone, run_workload(*engine_on(gpu, model, base, DType::F32), prompts), "batched");
      for (int64_t chunk : {7, 64}) {
        EngineOptions o = base;
        o.max_num_batched_tokens = chunk;
        compare_all(on_gpu, alone, run_workload(*engine_on(gpu, model, o, DType::F32), prompts),
                    "chunked at " + std::to_string(chunk));
      }
      EngineOptions tiny_kv = base;
      tiny_kv.num_kv_blocks = 24;   // 384 tokens for 51 requests of up to 162: preemption is certain
      auto preempting = engine_on(gpu, model, tiny_kv, DType::F32);
      compare_all(on_gpu, alone, run_workload(*preempting, prompts), "preempted");
      CHECK(preempting->stats().counters.num_preemptions > 0);

      // The CPU backend is batch-invariant: its batched run is its alone run.
      GreedyComparison on_cpu(model, model.backend, DType::F32);
      compare_all(on_cpu, run_workload(*model.engine(base), prompts), alone, "GPU against the CPU");
      WARN(name << ": near ties accepted: " << on_gpu.num_near_ties() << " within the GPU, " << on_cpu.num_near_ties()
                << " GPU vs CPU");
    }
  }
}

TEST_CASE("cuda engine: KV cache exhaustion preempts, and every block is free at the end", "[cuda][engine][kvcache]") {
  TinyModel model("qwen3-tied");
  cuda::CudaBackend gpu(0);
  const auto prompts = make_prompts(static_cast<int32_t>(model.files.config().vocab_size));
  for (DType kv_dtype : {DType::F32, DType::F16}) {
    EngineOptions o;
    o.max_num_seqs = 64;
    o.enable_prefix_caching = false;
    // A byte budget, as --kv-cache-memory gives it: 12 blocks of 16 tokens, fewer than two long prompts.
    const ModelConfig& c = model.files.config();
    const int64_t bytes_per_block = 2 * c.num_hidden_layers * o.block_size * c.num_key_value_heads * c.head_dim *
                                    static_cast<int64_t>(dtype_info(kv_dtype).block_bytes);
    o.kv_cache_memory = 12 * bytes_per_block;
    auto engine = engine_on(gpu, model, o, kv_dtype);
    REQUIRE(engine->num_kv_blocks() == 12);
    // Prompts that fit the 192-token context the cache allows, so every one can finish.
    std::vector<std::vector<int32_t>> fitting;
    for (const auto& p : prompts)
      if (static_cast<int64_t>(p.size()) + kMaxTokens < engine->max_model_len()) fitting.push_back(p);
    REQUIRE(fitting.size() >= 20);
    for (size_t i = 0; i < fitting.size(); ++i) add(*engine, static_cast<int64_t>(i), fitting[i], greedy(kMaxTokens));
    const Tokens tokens = run_to_completion(*engine);   // checks the scheduler's invariants after every step
    CHECK(tokens.size() == fitting.size());
    for (const auto& [id, t] : tokens) CHECK(t.size() == static_cast<size_t>(kMaxTokens));
    const EngineStats stats = engine->stats();
    CHECK(stats.counters.num_preemptions > 0);
    CHECK(stats.num_running == 0);
    CHECK(stats.num_waiting == 0);
    CHECK(stats.kv_cache_usage == 0.0);
    CHECK(engine->scheduler().block_manager().num_free_blocks() == engine->num_kv_blocks());
  }
}

TEST_CASE("cuda staging: many queued ops each read their own metadata", "[cuda][staging]") {
  // gather_rows N times before one download: each op's row list goes through the pinned staging ring, which
  // wraps several times (about 1.5 MB of row lists through a 256 KB ring) and grows once for a long list; a
  // row list overwritten before its copy ran shows up as wrong rows.
  BackendPair b;
  constexpr int64_t kRows = 64, kCols = 8, kOps = 3000, kOutRows = 256, kLongOp = 2000, kLongRows = 60000;
  const std::vector<float> x = random_floats(static_cast<size_t>(kRows * kCols), 11);
  DeviceBuffer gx = make_buffer(b.gpu, {kRows, kCols}, x);
  DeviceBuffer out = make_buffer(b.gpu, {kOps * kOutRows, kCols});
  std::mt19937 rng(5);
  std::vector<std::vector<int32_t>> row_lists(kOps);
  auto expected_row = [&](int32_t row, int64_t c) { return x[static_cast<size_t>(row * kCols + c)]; };
  for (int64_t op = 0; op < kOps; ++op) {
    const int64_t n = op == kLongOp ? kLongRows : 1 + static_cast<int64_t>(rng() % kOutRows);
    auto& rows = row_lists[static_cast<size_t>(op)];
    for (int64_t i = 0; i < n; ++i) rows.push_back(static_cast<int32_t>(rng() % kRows));
    if (op == kLongOp) {   // 240 KB of row ids: the ring grows while earlier copies may still be queued
      DeviceBuffer big = make_buffer(b.gpu, {n, kCols});
      b.gpu.gather_rows(gx.tensor(), rows, big.tensor());
      const std::vector<float> got = download(b.gpu, big.tensor());
      int64_t wrong = 0;
      for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < kCols; ++c) wrong += got[static_cast<size_t>(i * kCols + c)] != expected_row(rows[i], c);
      CHECK(wrong == 0);
      continue;
    }
    DeviceTensor view = out.tensor();
    view.data = static_cast<float*>(view.data) + op * kOutRows * kCols;
    view.shape = {n, kCols, 0, 0};
    b.gpu.gather_rows(gx.tensor(), rows, view);
  }
  const std::vector<float> got = download(b.gpu, out.tensor());
  int64_t wrong = 0;
  for (int64_t op = 0; op < kOps; ++op) {
    if (op == kLongOp) continue;
    const auto& rows = row_lists[static_cast<size_t>(op)];
    for (size_t i = 0; i < rows.size(); ++i)
      for (int64_t c = 0; c < kCols; ++c)
        wrong += got[static_cast<size_t>((op * kOutRows + static_cast<int64_t>(i)) * kCols + c)] != expected_row(rows[i], c);
  }
  CHECK(wrong == 0);
}

TEST_CASE("cuda device memory: free and total are read and consistent", "[cuda][device]") {
  const cuda::DeviceMemory m = cuda::device_memory(0);
  CHECK(m.total_bytes > 0);
  CHECK(m.free_bytes > 0);
  CHECK(m.free_bytes <= m.total_bytes);
  std::string why;
  const auto devices = cuda::list_devices(&why);
  REQUIRE_FALSE(devices.empty());
  CHECK(m.total_bytes == devices[0].total_memory_bytes);
  CHECK_THROWS_WITH(cuda::device_memory(static_cast<int>(devices.size()) + 7), Catch::Contains("cudaSetDevice"));
}

TEST_CASE("cuda pinned host memory: copies into page-locked memory arrive whole, and unpinning keeps it usable",
          "[cuda][device]") {
  // The ModelRunner's logits buffer is pinned this way (Backend::pin_host_memory); the reference is the
  // uploaded data itself.
  BackendPair b;
  const std::vector<float> data = random_floats(1 << 20, 3);
  DeviceBuffer on_gpu = make_buffer(b.gpu, {1024, 1024}, data);
  std::vector<float> host(data.size(), 0.0f);
  {
    PinnedHostMemory pin(b.gpu, host.data(), host.size() * sizeof(float));
    b.gpu.copy_to_host(on_gpu.tensor(), host.data());
    CHECK(host == data);
  }
  std::fill(host.begin(), host.end(), 0.0f);
  b.gpu.copy_to_host(on_gpu.tensor(), host.data());  // unpinned: pageable copy
  CHECK(host == data);
  b.gpu.unpin_host_memory(host.data());  // never pinned (any more): a no-op
  b.gpu.pin_host_memory(nullptr, 0);     // nothing to pin: a no-op
}
