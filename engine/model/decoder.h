#pragma once
// Decoder: the Llama / Qwen2 / Qwen3 forward pass, written once against Backend ops. One decoder covers the
// three families through ModelConfig flags: qkv bias (qwen2), per-head q/k RMSNorm (qwen3), tied or untied
// lm_head, RoPE layout and llama3 scaling. lm_head runs only on the rows that sample.
// Owns the prepared weights and the activation buffers (sized once for max_num_tokens rows; no allocation
// per step). Does not own the KV cache: the caller passes each layer's K/V blocks and the step's metadata.
#include <cstdint>
#include <span>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/model/model_weights.h"

namespace edgeserve {

// Physical K/V storage of one layer: [num_blocks, block_size, n_kv_heads, head_dim] each.
struct LayerKvCache {
  DeviceTensor k;
  DeviceTensor v;
};

// A decode step padded to one of the backend's graph batch sizes (Backend::graph_batch_sizes): its ops are
// bracketed as graph `key`, and only the first rows of logits, the real sequences', are copied out.
struct StepGraph {
  uint64_t key = 0;                  // one key per padded shape (engine/graph_padding.h)
  int64_t num_host_logits_rows = 0;  // <= logits_rows.size()
};

class Decoder {
 public:
  // Prepares every weight on `backend` and allocates activations for steps of up to `max_num_tokens`
  // rows of which at most `max_num_logits_rows` sample (the logits buffer is [rows, vocab]).
  // Precondition: `weights` (and the files behind them) and `backend` outlive the decoder.
  Decoder(const ModelConfig& config, const ModelWeights& weights, Backend& backend, int64_t max_num_tokens,
          int64_t max_num_logits_rows);

  // One step. token_ids [T] (T <= max_num_tokens) with their metadata; kv_caches [num_layers];
  // logits_rows [R <= max_num_logits_rows]: indices into T of the rows that sample; logits [R, vocab]
  // (host, row-major) out. With `graph`, the step runs as that backend graph and logits gets only
  // graph->num_host_logits_rows rows.
  void forward(std::span<const int32_t> token_ids, const AttentionMetadata& metadata,
               std::span<const LayerKvCache> kv_caches, std::span<const int32_t> logits_rows, float* logits,
               const StepGraph* graph = nullptr);

  const ModelConfig& config() const { return config_; }
  int64_t max_num_tokens() const { return max_num_tokens_; }

 private:
  struct Layer {
    Weight attn_norm, q_proj, k_proj, v_proj, q_bias, k_bias, v_bias, q_norm, k_norm, o_proj;
    Weight ffn_norm, gate_proj, up_proj, down_proj;
  };
  // Enqueues the step's ops up to the logits on the device (no copy, no synchronization).
  void enqueue_step(std::span<const int32_t> token_ids, const AttentionMetadata& metadata,
                    std::span<const LayerKvCache> kv_caches, std::span<const int32_t> logits_rows);
  void attention_block(const Layer& layer, const LayerKvCache& kv, const AttentionMetadata& metadata, int64_t num_tokens);
  void mlp_block(const Layer& layer, int64_t num_tokens);
  Weight prepare_optional(const TensorView* view);

  ModelConfig config_;
  Backend& backend_;
  int64_t max_num_tokens_;
  int64_t max_num_logits_rows_;
  RopeConfig rope_;
  float attention_scale_;
  Weight embed_tokens_, final_norm_, lm_head_;
  std::vector<Layer> layers_;
  // Activations, [max_num_tokens, ...]; a step uses the first T rows.
  DeviceBuffer hidden_;    // [T, H] residual stream
  DeviceBuffer normed_;    // [T, H]
  DeviceBuffer q_;         // [T, n_heads * head_dim]
  DeviceBuffer k_;         // [T, n_kv_heads * head_dim]
  DeviceBuffer v_;         // [T, n_kv_heads * head_dim]
  DeviceBuffer attn_out_;  // [T, n_heads * head_dim]
  DeviceBuffer proj_out_;  // [T, H]
  DeviceBuffer gate_;      // [T, I]
  DeviceBuffer up_;        // [T, I]
  DeviceBuffer logits_;    // [max_num_logits_rows, vocab]
};

}  // namespace edgeserve
