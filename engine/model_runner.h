#pragma once
// ModelRunner: turns a SchedulerOutput into one forward pass. prepare() is a pure function (unit-tested array
// by array) that flattens the scheduled sequences into a ForwardBatch; execute() runs the Decoder over the
// paged KV cache and returns the logits of the sampling rows. Owns the Decoder and the KV storage.
// On a backend with step graphs (CUDA graphs), execute() pads pure decode steps to one of the backend's
// batch sizes (engine/graph_padding.h) and runs them as that graph; everything else runs eagerly.
// Engine thread only.
#include <cstdint>
#include <span>
#include <vector>

#include "engine/forward_batch.h"
#include "engine/kv_cache.h"
#include "engine/model/decoder.h"
#include "scheduler/scheduler_output.h"

namespace edgeserve {

class ModelRunner {
 public:
  // Steps of up to `max_num_batched_tokens` tokens of which up to `max_num_seqs` sample. `enforce_eager`:
  // never use the backend's step graphs (vLLM's --enforce-eager).
  ModelRunner(const ModelConfig& config, const ModelWeights& weights, Backend& backend,
              int64_t max_num_batched_tokens, int64_t max_num_seqs, const KvCacheSpec& kv_spec,
              int64_t num_kv_blocks, DType kv_dtype, bool enforce_eager = false);

  // Fills `batch` (cleared first) from `output`. Pure: depends on nothing else.
  // Precondition: each scheduled block table covers num_computed_tokens + num_new_tokens slots.
  static void prepare(const SchedulerOutput& output, int32_t block_size, ForwardBatch& batch);

  // Runs the batch; returns logits [R, vocab] (row r for batch.logits_rows[r]), valid until the next call.
  // A pure decode step of at most the largest graph batch size runs padded, as a step graph.
  std::span<float> execute(const ForwardBatch& batch);

  const KvCache& kv_cache() const { return kv_cache_; }
  int64_t vocab_size() const { return vocab_size_; }
  // The decode batch sizes steps are padded to (ascending); empty: every step runs eagerly.
  std::span<const int32_t> graph_batch_sizes() const { return graph_sizes_; }
  // Steps run padded as a step graph since construction.
  int64_t num_graph_steps() const { return num_graph_steps_; }

 private:
  Decoder decoder_;
  KvCache kv_cache_;
  int64_t vocab_size_;
  std::vector<float> logits_;   // [max_num_seqs, vocab]
  PinnedHostMemory logits_pin_;  // logits_ page-locked where the backend copies over a bus (after logits_)
  std::vector<int32_t> graph_sizes_;   // graph_batch_sizes_upto(backend's, min(max_num_seqs, max tokens))
  ForwardBatch graph_batch_;           // the padded decode step (reserved for the largest size at construction)
  int64_t num_graph_steps_ = 0;
};

}  // namespace edgeserve
