#include "engine/sequence_runner.h"

#include <algorithm>
#include <cassert>
#include <numeric>

#include "engine/graph_padding.h"

namespace edgeserve {

SequenceRunner::SequenceRunner(const ModelConfig& config, const ModelWeights& weights, Backend& backend,
                               int64_t max_context, int64_t chunk_size, DType kv_dtype, bool enforce_eager)
    : decoder_(config, weights, backend, chunk_size, 1),
      max_context_(max_context),
      chunk_size_(chunk_size),
      use_graphs_(!enforce_eager && !backend.graph_batch_sizes().empty() && backend.graph_batch_sizes().front() == 1),
      logits_(static_cast<size_t>(config.vocab_size)),
      logits_pin_(backend, logits_.data(), logits_.size() * sizeof(float)) {
  assert(max_context > 0 && chunk_size > 0);
  assert(kv_dtype == DType::F16 || kv_dtype == DType::F32);
  const int64_t num_blocks = (max_context + kBlockSize - 1) / kBlockSize;
  const int64_t shape[4] = {num_blocks, kBlockSize, config.num_key_value_heads, config.head_dim};
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) {
    kv_storage_.push_back(backend.allocate(kv_dtype, shape));
    kv_storage_.push_back(backend.allocate(kv_dtype, shape));
    kv_.push_back({kv_storage_[kv_storage_.size() - 2].tensor(), kv_storage_.back().tensor()});
  }
  block_table_.resize(static_cast<size_t>(num_blocks));
  std::iota(block_table_.begin(), block_table_.end(), 0);
  positions_.resize(static_cast<size_t>(chunk_size));
  slot_mapping_.resize(static_cast<size_t>(chunk_size));
}

std::span<float> SequenceRunner::append(std::span<const int32_t> tokens) {
  assert(!tokens.empty());
  assert(num_tokens_ + static_cast<int64_t>(tokens.size()) <= max_context_);
  for (size_t begin = 0; begin < tokens.size(); begin += static_cast<size_t>(chunk_size_)) {
    const size_t end = std::min(tokens.size(), begin + static_cast<size_t>(chunk_size_));
    run_step(tokens.subspan(begin, end - begin));
  }
  return logits_;
}

void SequenceRunner::run_step(std::span<const int32_t> tokens) {
  const auto n = static_cast<int32_t>(tokens.size());
  for (int32_t i = 0; i < n; ++i) {
    const auto position = static_cast<int32_t>(num_tokens_ + i);
    positions_[static_cast<size_t>(i)] = position;
    slot_mapping_[static_cast<size_t>(i)] = position;  // block i/16 is physical block i/16
  }
  const int32_t query_start[2] = {0, n};
  const int32_t context_len = static_cast<int32_t>(num_tokens_) + n;
  const int32_t last_row = n - 1;
  AttentionMetadata md{std::span<const int32_t>(positions_.data(), static_cast<size_t>(n)),
                       std::span<const int64_t>(slot_mapping_.data(), static_cast<size_t>(n)),
                       query_start,
                       std::span<const int32_t>(&context_len, 1),
                       block_table_,
                       static_cast<int32_t>(block_table_.size())};
  // A decode step's shapes never change here (one row, the whole block table): one graph serves them all.
  const StepGraph graph{graph_key(1, static_cast<int32_t>(block_table_.size())), 1};
  decoder_.forward(tokens, md, kv_, std::span<const int32_t>(&last_row, 1), logits_.data(),
                   use_graphs_ && n == 1 ? &graph : nullptr);
  num_tokens_ += n;
}

}  // namespace edgeserve
