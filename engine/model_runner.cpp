// ModelRunner (engine/model_runner.h): prepare() flattens a SchedulerOutput; execute() runs it, padded as a
// step graph when the backend has graphs and the step is a pure decode.
#include "engine/model_runner.h"

#include <algorithm>
#include <cassert>
#include <limits>

#include "engine/graph_padding.h"

namespace edgeserve {

ModelRunner::ModelRunner(const ModelConfig& config, const ModelWeights& weights, Backend& backend,
                         int64_t max_num_batched_tokens, int64_t max_num_seqs, const KvCacheSpec& kv_spec,
                         int64_t num_kv_blocks, DType kv_dtype, bool enforce_eager)
    : decoder_(config, weights, backend, max_num_batched_tokens, max_num_seqs),
      kv_cache_(backend, kv_spec, num_kv_blocks, kv_dtype),
      vocab_size_(config.vocab_size),
      logits_(static_cast<size_t>(max_num_seqs * config.vocab_size)),
      logits_pin_(backend, logits_.data(), logits_.size() * sizeof(float)) {
  if (enforce_eager) return;
  // A padded step has B token rows and B logits rows: both limits bound the largest bucket.
  const int64_t max_batch =
      std::min<int64_t>({max_num_seqs, max_num_batched_tokens, std::numeric_limits<int32_t>::max()});
  graph_sizes_ = graph_batch_sizes_upto(backend.graph_batch_sizes(), static_cast<int32_t>(max_batch));
  if (graph_sizes_.empty()) return;
  // Capacity for the largest bucket up front, block tables for 64 blocks a row, so that padding does not
  // allocate on the step path (a wider table grows it once).
  const auto largest = static_cast<size_t>(graph_sizes_.back());
  for (auto* v : {&graph_batch_.token_ids, &graph_batch_.positions, &graph_batch_.context_lens,
                  &graph_batch_.logits_rows, &graph_batch_.sampling_seqs})
    v->reserve(largest);
  graph_batch_.slot_mapping.reserve(largest);
  graph_batch_.query_start.reserve(largest + 1);
  graph_batch_.block_tables.reserve(largest * 64);
}

void ModelRunner::prepare(const SchedulerOutput& output, int32_t block_size, ForwardBatch& batch) {
  batch.token_ids.clear();
  batch.positions.clear();
  batch.slot_mapping.clear();
  batch.query_start.assign(1, 0);
  batch.context_lens.clear();
  batch.block_tables.clear();
  batch.logits_rows.clear();
  batch.sampling_seqs.clear();

  int32_t max_blocks = 0;
  for (const ScheduledSequence& s : output.scheduled) {
    const int64_t context_len = s.num_computed_tokens + s.num_new_tokens;
    max_blocks = std::max(max_blocks, static_cast<int32_t>((context_len + block_size - 1) / block_size));
  }
  batch.max_blocks_per_seq = max_blocks;
  batch.block_tables.assign(output.scheduled.size() * static_cast<size_t>(max_blocks), 0);

  for (size_t i = 0; i < output.scheduled.size(); ++i) {
    const ScheduledSequence& s = output.scheduled[i];
    const int64_t context_len = s.num_computed_tokens + s.num_new_tokens;
    assert(s.num_new_tokens > 0 && context_len <= static_cast<int64_t>(s.token_ids.size()));
    assert(static_cast<int64_t>(s.block_table.size()) * block_size >= context_len);
    for (int64_t pos = s.num_computed_tokens; pos < context_len; ++pos) {
      batch.token_ids.push_back(s.token_ids[static_cast<size_t>(pos)]);
      batch.positions.push_back(static_cast<int32_t>(pos));
      const int64_t block = s.block_table[static_cast<size_t>(pos / block_size)];
      batch.slot_mapping.push_back(block * block_size + pos % block_size);
    }
    batch.query_start.push_back(static_cast<int32_t>(batch.token_ids.size()));
    batch.context_lens.push_back(static_cast<int32_t>(context_len));
    const int64_t num_blocks = (context_len + block_size - 1) / block_size;
    std::copy_n(s.block_table.begin(), num_blocks,
                batch.block_tables.begin() + static_cast<std::ptrdiff_t>(i * static_cast<size_t>(max_blocks)));
    if (s.samples) {
      batch.logits_rows.push_back(static_cast<int32_t>(batch.token_ids.size()) - 1);
      batch.sampling_seqs.push_back(static_cast<int32_t>(i));
    }
  }
}

std::span<float> ModelRunner::execute(const ForwardBatch& batch) {
  assert(batch.num_tokens() > 0 && batch.num_tokens() <= decoder_.max_num_tokens());
  assert(batch.logits_rows.size() * static_cast<size_t>(vocab_size_) <= logits_.size());
  std::optional<uint64_t> key;
  if (!graph_sizes_.empty()) key = pad_decode_batch(batch, graph_sizes_, graph_batch_);
  if (key) {
    // Only the real sequences' R rows come back to the host; the padding rows' logits stay on the device.
    const StepGraph step_graph{*key, static_cast<int64_t>(batch.logits_rows.size())};
    decoder_.forward(graph_batch_.token_ids, graph_batch_.attention_metadata(), kv_cache_.layers(),
                     graph_batch_.logits_rows, logits_.data(), &step_graph);
    ++num_graph_steps_;
  } else {
    decoder_.forward(batch.token_ids, batch.attention_metadata(), kv_cache_.layers(), batch.logits_rows,
                     logits_.data());
  }
  return std::span<float>(logits_).first(batch.logits_rows.size() * static_cast<size_t>(vocab_size_));
}

}  // namespace edgeserve
