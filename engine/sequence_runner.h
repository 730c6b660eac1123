#pragma once
// SequenceRunner: one sequence through the Decoder with its own KV blocks, prompt prefilled in chunks.
// It is what `edgeserve generate` and `bench model` run until the scheduler and paged KV cache of the
// batching issue drive the Decoder for many sequences; it already uses their data layout (block tables,
// slot mapping), so nothing in the model changes then.
// Owns the decoder, the KV storage [num_layers x (K, V)] and the step arrays (no allocation per token).
#include <cstdint>
#include <span>
#include <vector>

#include "engine/model/decoder.h"

namespace edgeserve {

class SequenceRunner {
 public:
  static constexpr int32_t kBlockSize = 16;

  // Room for `max_context` tokens; prefill runs `chunk_size` tokens per step. kv_dtype: F16 or F32.
  // Single-token steps run as a backend step graph (one key: the block table always spans max_context)
  // unless enforce_eager or the backend has none.
  SequenceRunner(const ModelConfig& config, const ModelWeights& weights, Backend& backend, int64_t max_context,
                 int64_t chunk_size, DType kv_dtype, bool enforce_eager = false);

  // Appends `tokens` to the sequence and returns the logits after the last one ([vocab], valid until the
  // next call). Precondition: num_tokens() + tokens.size() <= max_context(), tokens not empty.
  std::span<float> append(std::span<const int32_t> tokens);

  // Forgets the sequence (the KV storage is reused).  num_tokens -> 0
  void reset() { num_tokens_ = 0; }

  int64_t num_tokens() const { return num_tokens_; }
  int64_t max_context() const { return max_context_; }

 private:
  void run_step(std::span<const int32_t> tokens);

  Decoder decoder_;
  int64_t max_context_;
  int64_t chunk_size_;
  int64_t num_tokens_ = 0;
  bool use_graphs_;                        // decode steps bracketed as graph_key(1, num_blocks)
  std::vector<DeviceBuffer> kv_storage_;   // [2 * num_layers]
  std::vector<LayerKvCache> kv_;           // [num_layers]
  std::vector<int32_t> block_table_;       // [num_blocks] 0..n-1: the sequence owns every block
  std::vector<int32_t> positions_;         // [chunk_size]
  std::vector<int64_t> slot_mapping_;      // [chunk_size]
  std::vector<float> logits_;              // [vocab]
  PinnedHostMemory logits_pin_;            // logits_ page-locked where the backend copies over a bus
};

}  // namespace edgeserve
