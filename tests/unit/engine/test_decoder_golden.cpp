// The decoder against transformers' own float32 forward pass (tests/fixtures/golden/*/logits.json, written by
// scripts/make_fixtures.py): logits at every position of every prompt, for tiny random Llama (untied, llama3
// rope scaling), Qwen2 (qkv bias, tied) and Qwen3 (q/k norm, tied and untied, GQA and MHA) checkpoints.
// Also the same logits when the prompt is split into chunks, and when two sequences share one step with
// non-contiguous KV blocks (the paged layout the scheduler will drive).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/model/decoder.h"
#include "tests/test_paths.h"

using namespace edgeserve;

namespace {

constexpr int32_t kBlockSize = 16;
constexpr double kTolerance = 1e-4;  // max |ours - golden| / max |golden| per position (F32 weights)

struct Golden {
  std::vector<int32_t> ids;
  std::vector<std::vector<float>> logits;  // [T][vocab]
};

std::vector<Golden> read_golden(const std::string& name) {
  std::ifstream in(test::fixtures_dir() + "/golden/" + name + "/logits.json");
  REQUIRE(in.good());
  const auto j = nlohmann::json::parse(in);
  std::vector<Golden> cases;
  for (const auto& c : j.at("cases")) cases.push_back({c.at("input_ids").get<std::vector<int32_t>>(),
                                                       c.at("logits").get<std::vector<std::vector<float>>>()});
  return cases;
}

double relative_error(const float* ours, const std::vector<float>& golden) {
  double max_diff = 0, max_ref = 0;
  for (size_t i = 0; i < golden.size(); ++i) {
    max_diff = std::max(max_diff, std::abs(static_cast<double>(ours[i]) - golden[i]));
    max_ref = std::max(max_ref, std::abs(static_cast<double>(golden[i])));
  }
  return max_diff / max_ref;
}

// A KV pool for every layer, and the step arrays for a set of (sequence, chunk) pieces.
struct Harness {
  ModelFiles files;
  ModelWeights weights;
  cpu::CpuBackend backend{2};
  std::vector<DeviceBuffer> storage;
  std::vector<LayerKvCache> kv;
  Decoder decoder;

  explicit Harness(const std::string& name, int64_t num_blocks = 16)
      : files(ModelFiles::open(test::fixtures_dir() + "/golden/" + name)),
        weights(map_model_weights(files)),
        decoder(files.config(), weights, backend, 128, 128) {
    const ModelConfig& c = files.config();
    const int64_t shape[4] = {num_blocks, kBlockSize, c.num_key_value_heads, c.head_dim};
    for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
      storage.push_back(backend.allocate(DType::F32, shape));
      storage.push_back(backend.allocate(DType::F32, shape));
      kv.push_back({storage[storage.size() - 2].tensor(), storage.back().tensor()});
    }
  }
};

struct Piece {
  const std::vector<int32_t>* ids;  // the whole prompt of this sequence
  int32_t begin, end;               // this step computes tokens [begin, end)
  std::vector<int32_t> blocks;      // the sequence's block table
};

// Runs one step over `pieces`; returns logits [sum of piece lengths][vocab], every row sampled.
std::vector<float> step(Harness& h, const std::vector<Piece>& pieces) {
  std::vector<int32_t> tokens, positions, query_start{0}, context_lens, block_tables, rows;
  std::vector<int64_t> slots;
  int32_t max_blocks = 0;
  for (const Piece& p : pieces) max_blocks = std::max<int32_t>(max_blocks, static_cast<int32_t>(p.blocks.size()));
  for (const Piece& p : pieces) {
    for (int32_t t = p.begin; t < p.end; ++t) {
      rows.push_back(static_cast<int32_t>(tokens.size()));
      tokens.push_back((*p.ids)[static_cast<size_t>(t)]);
      positions.push_back(t);
      slots.push_back(int64_t{p.blocks[static_cast<size_t>(t / kBlockSize)]} * kBlockSize + t % kBlockSize);
    }
    query_start.push_back(static_cast<int32_t>(tokens.size()));
    context_lens.push_back(p.end);
    std::vector<int32_t> table = p.blocks;
    table.resize(static_cast<size_t>(max_blocks), 0);
    block_tables.insert(block_tables.end(), table.begin(), table.end());
  }
  AttentionMetadata md{positions, slots, query_start, context_lens, block_tables, max_blocks};
  std::vector<float> logits(rows.size() * static_cast<size_t>(h.files.config().vocab_size));
  h.decoder.forward(tokens, md, h.kv, rows, logits.data());
  return logits;
}

void check_rows(const std::vector<float>& logits, size_t first_row, const Golden& g, int32_t begin, int32_t end) {
  const size_t vocab = g.logits[0].size();
  for (int32_t t = begin; t < end; ++t) {
    INFO("position " << t);
    CHECK(relative_error(logits.data() + (first_row + static_cast<size_t>(t - begin)) * vocab,
                         g.logits[static_cast<size_t>(t)]) < kTolerance);
  }
}

const char* const kModels[] = {"llama-untied-rope-scaling", "qwen2-bias-tied", "qwen3-tied", "qwen3-untied-mha"};

}  // namespace

TEST_CASE("decoder: logits equal transformers' at every position (F32)", "[engine][decoder][golden]") {
  for (const char* name : kModels) {
    INFO(name);
    const auto cases = read_golden(name);
    Harness h(name);
    for (const Golden& g : cases) {
      const auto n = static_cast<int32_t>(g.ids.size());
      check_rows(step(h, {{&g.ids, 0, n, {3, 0, 7, 5}}}), 0, g, 0, n);
    }
  }
}

TEST_CASE("decoder: chunked prefill and a shared step give the same logits", "[engine][decoder][golden]") {
  for (const char* name : kModels) {
    INFO(name);
    const auto cases = read_golden(name);
    const Golden& longest = cases.back();  // 37 tokens
    const Golden& other = cases[1];        // 7 tokens
    Harness h(name);
    const std::vector<int32_t> blocks_a{9, 2, 14}, blocks_b{4};
    // Step 1: the first 20 tokens of A. Step 2: A's remaining 17 tokens together with all of B.
    check_rows(step(h, {{&longest.ids, 0, 20, blocks_a}}), 0, longest, 0, 20);
    const auto logits = step(h, {{&longest.ids, 20, 37, blocks_a}, {&other.ids, 0, 7, blocks_b}});
    check_rows(logits, 0, longest, 20, 37);
    check_rows(logits, 17, other, 0, 7);
    // Step 3: decode-style single tokens of both sequences, recomputing their last position.
    const auto tail = step(h, {{&longest.ids, 36, 37, blocks_a}, {&other.ids, 6, 7, blocks_b}});
    check_rows(tail, 0, longest, 36, 37);
    check_rows(tail, 1, other, 6, 7);
  }
}
