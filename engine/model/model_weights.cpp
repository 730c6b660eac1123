#include "engine/model/model_weights.h"

#include <string>

#include "engine/loader/load_error.h"

namespace edgeserve {
namespace {

// The two naming schemes, per weight role. `{}` is replaced by the layer index.
struct Names {
  const char* gguf;
  const char* hf;
};
constexpr Names kEmbed{"token_embd.weight", "model.embed_tokens.weight"};
constexpr Names kFinalNorm{"output_norm.weight", "model.norm.weight"};
constexpr Names kLmHead{"output.weight", "lm_head.weight"};
constexpr Names kAttnNorm{"blk.{}.attn_norm.weight", "model.layers.{}.input_layernorm.weight"};
constexpr Names kQ{"blk.{}.attn_q.weight", "model.layers.{}.self_attn.q_proj.weight"};
constexpr Names kK{"blk.{}.attn_k.weight", "model.layers.{}.self_attn.k_proj.weight"};
constexpr Names kV{"blk.{}.attn_v.weight", "model.layers.{}.self_attn.v_proj.weight"};
constexpr Names kQBias{"blk.{}.attn_q.bias", "model.layers.{}.self_attn.q_proj.bias"};
constexpr Names kKBias{"blk.{}.attn_k.bias", "model.layers.{}.self_attn.k_proj.bias"};
constexpr Names kVBias{"blk.{}.attn_v.bias", "model.layers.{}.self_attn.v_proj.bias"};
constexpr Names kQNorm{"blk.{}.attn_q_norm.weight", "model.layers.{}.self_attn.q_norm.weight"};
constexpr Names kKNorm{"blk.{}.attn_k_norm.weight", "model.layers.{}.self_attn.k_norm.weight"};
constexpr Names kO{"blk.{}.attn_output.weight", "model.layers.{}.self_attn.o_proj.weight"};
constexpr Names kFfnNorm{"blk.{}.ffn_norm.weight", "model.layers.{}.post_attention_layernorm.weight"};
constexpr Names kGate{"blk.{}.ffn_gate.weight", "model.layers.{}.mlp.gate_proj.weight"};
constexpr Names kUp{"blk.{}.ffn_up.weight", "model.layers.{}.mlp.up_proj.weight"};
constexpr Names kDown{"blk.{}.ffn_down.weight", "model.layers.{}.mlp.down_proj.weight"};

class Mapper {
 public:
  explicit Mapper(const ModelFiles& files) : files_(files), gguf_(files.format() == ModelFormat::kGguf) {}

  // A matrix multiplied by a kernel: any dtype the loaders know with a matmul kernel in the plan.
  const TensorView* matrix(const Names& names, int layer, std::vector<int64_t> shape) {
    const TensorView* t = require(names, layer);
    check_shape(*t, shape);
    if (!is_matmul_dtype(t->dtype))
      throw_load_error(files_.path(), "tensor " + quote_name(t->name) + ": dtype " + std::string(dtype_name(t->dtype)) +
                                          " has no matrix kernel (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, "
                                          "Q5_0, Q5_1, Q4_K, Q5_K, Q6_K)");
    return t;
  }

  // A vector read as floats (norm weights, biases).
  const TensorView* vector(const Names& names, int layer, int64_t length, bool required = true) {
    const TensorView* t = required ? require(names, layer) : find(names, layer);
    if (t == nullptr) return nullptr;
    check_shape(*t, {length});
    if (t->dtype != DType::F32 && t->dtype != DType::F16 && t->dtype != DType::BF16)
      throw_load_error(files_.path(), "tensor " + quote_name(t->name) + ": expected dtype F32, F16 or BF16, got " +
                                          std::string(dtype_name(t->dtype)));
    return t;
  }

  const TensorView* find(const Names& names, int layer) const { return files_.tensor(name(names, layer)); }

 private:
  static bool is_matmul_dtype(DType d) {
    switch (d) {
      case DType::F32: case DType::F16: case DType::BF16: case DType::Q8_0: case DType::Q4_0: case DType::Q4_1:
      case DType::Q5_0: case DType::Q5_1: case DType::Q4_K: case DType::Q5_K: case DType::Q6_K:
        return true;
      default:
        return false;
    }
  }

  std::string name(const Names& names, int layer) const {
    std::string n = gguf_ ? names.gguf : names.hf;
    if (auto pos = n.find("{}"); pos != std::string::npos) n.replace(pos, 2, std::to_string(layer));
    return n;
  }

  const TensorView* require(const Names& names, int layer) {
    const TensorView* t = find(names, layer);
    if (t == nullptr) throw_load_error(files_.path(), "missing tensor " + quote_name(name(names, layer)));
    return t;
  }

  void check_shape(const TensorView& t, const std::vector<int64_t>& expected) const {
    if (t.shape != expected)
      throw_load_error(files_.path(), "tensor " + quote_name(t.name) + ": expected shape " + shape_to_string(expected) +
                                          ", got " + shape_to_string(t.shape));
  }

  const ModelFiles& files_;
  bool gguf_;
};

}  // namespace

ModelWeights map_model_weights(const ModelFiles& files) {
  const ModelConfig& c = files.config();
  Mapper m(files);
  const int64_t hidden = c.hidden_size, q_dim = c.num_attention_heads * c.head_dim,
                kv_dim = c.num_key_value_heads * c.head_dim, ffn = c.intermediate_size;
  ModelWeights w;
  w.embed_tokens = m.matrix(kEmbed, 0, {c.vocab_size, hidden});
  w.final_norm = m.vector(kFinalNorm, 0, hidden);
  if (c.tie_word_embeddings) {
    w.lm_head = w.embed_tokens;
  } else {
    w.lm_head = m.matrix(kLmHead, 0, {c.vocab_size, hidden});
  }
  w.layers.resize(static_cast<size_t>(c.num_hidden_layers));
  for (int i = 0; i < static_cast<int>(c.num_hidden_layers); ++i) {
    LayerWeights& l = w.layers[static_cast<size_t>(i)];
    l.attn_norm = m.vector(kAttnNorm, i, hidden);
    l.q_proj = m.matrix(kQ, i, {q_dim, hidden});
    l.k_proj = m.matrix(kK, i, {kv_dim, hidden});
    l.v_proj = m.matrix(kV, i, {kv_dim, hidden});
    l.q_bias = m.vector(kQBias, i, q_dim, c.attention_bias);
    l.k_bias = m.vector(kKBias, i, kv_dim, c.attention_bias);
    l.v_bias = m.vector(kVBias, i, kv_dim, c.attention_bias);
    if (c.qk_norm) {
      l.q_norm = m.vector(kQNorm, i, c.head_dim);
      l.k_norm = m.vector(kKNorm, i, c.head_dim);
    }
    l.o_proj = m.matrix(kO, i, {hidden, q_dim});
    l.ffn_norm = m.vector(kFfnNorm, i, hidden);
    l.gate_proj = m.matrix(kGate, i, {ffn, hidden});
    l.up_proj = m.matrix(kUp, i, {ffn, hidden});
    l.down_proj = m.matrix(kDown, i, {hidden, ffn});
  }
  const bool permuted = files.format() == ModelFormat::kGguf && c.architecture == Architecture::kLlama;
  w.rope_mode = permuted ? RopeMode::kInterleaved : RopeMode::kNeox;
  return w;
}

}  // namespace edgeserve
