#pragma once
// ModelWeights: the decoder's weights found by name in a model's files and checked against ModelConfig
// (shape and dtype), as zero-copy views into the mmap. One mapping for both naming schemes: llama.cpp's GGUF
// names (blk.N.attn_q.weight) and Hugging Face's (model.layers.N.self_attn.q_proj.weight).
// Does not convert or copy anything; a backend prepares the views for its device.
#include <vector>

#include "engine/backend/rope.h"
#include "engine/model_files.h"

namespace edgeserve {

struct LayerWeights {
  const TensorView* attn_norm = nullptr;   // [hidden]
  const TensorView* q_proj = nullptr;      // [n_heads * head_dim, hidden]
  const TensorView* k_proj = nullptr;      // [n_kv_heads * head_dim, hidden]
  const TensorView* v_proj = nullptr;      // [n_kv_heads * head_dim, hidden]
  const TensorView* q_bias = nullptr;      // [n_heads * head_dim], qwen2 only
  const TensorView* k_bias = nullptr;      // [n_kv_heads * head_dim], qwen2 only
  const TensorView* v_bias = nullptr;      // [n_kv_heads * head_dim], qwen2 only
  const TensorView* q_norm = nullptr;      // [head_dim], qwen3 only
  const TensorView* k_norm = nullptr;      // [head_dim], qwen3 only
  const TensorView* o_proj = nullptr;      // [hidden, n_heads * head_dim]
  const TensorView* ffn_norm = nullptr;    // [hidden]
  const TensorView* gate_proj = nullptr;   // [intermediate, hidden]
  const TensorView* up_proj = nullptr;     // [intermediate, hidden]
  const TensorView* down_proj = nullptr;   // [hidden, intermediate]
};

struct ModelWeights {
  const TensorView* embed_tokens = nullptr;  // [vocab, hidden]
  std::vector<LayerWeights> layers;          // [num_hidden_layers]
  const TensorView* final_norm = nullptr;    // [hidden]
  const TensorView* lm_head = nullptr;       // [vocab, hidden]; == embed_tokens when tied
  RopeMode rope_mode = RopeMode::kNeox;     // kInterleaved for llama GGUFs (see engine/backend/rope.h)
};

// Finds and checks every weight. Throws LoadError "<file>: tensor 'x': expected shape [a, b], got [c, d]"
// (or a missing tensor, or a dtype no kernel multiplies). Precondition: files outlive the result.
ModelWeights map_model_weights(const ModelFiles& files);

}  // namespace edgeserve
