#include "engine/model/decoder.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace edgeserve {
namespace {

DeviceTensor rows_of(const DeviceBuffer& buffer, int64_t n) { return buffer.tensor().first_rows(n); }

RopeScaling rope_scaling_of(const ModelConfig& c) {
  RopeScaling s;
  if (c.rope_scaling) {
    s.factor = c.rope_scaling->factor;
    s.low_freq_factor = c.rope_scaling->low_freq_factor;
    s.high_freq_factor = c.rope_scaling->high_freq_factor;
    s.original_max_position_embeddings = static_cast<double>(c.rope_scaling->original_max_position_embeddings);
  }
  return s;
}

}  // namespace

Decoder::Decoder(const ModelConfig& config, const ModelWeights& weights, Backend& backend, int64_t max_num_tokens,
                 int64_t max_num_logits_rows)
    : config_(config),
      backend_(backend),
      max_num_tokens_(max_num_tokens),
      max_num_logits_rows_(max_num_logits_rows),
      rope_(make_rope_config(weights.rope_mode, static_cast<int32_t>(config.head_dim), config.rope_theta,
                             rope_scaling_of(config))),
      attention_scale_(static_cast<float>(1.0 / std::sqrt(static_cast<double>(config.head_dim)))) {
  assert(max_num_tokens > 0 && max_num_logits_rows > 0);
  embed_tokens_ = backend.prepare_weight(*weights.embed_tokens);
  final_norm_ = backend.prepare_weight(*weights.final_norm);
  lm_head_ = weights.lm_head == weights.embed_tokens ? embed_tokens_ : backend.prepare_weight(*weights.lm_head);
  layers_.reserve(weights.layers.size());
  for (const LayerWeights& w : weights.layers) {
    Layer l;
    l.attn_norm = backend.prepare_weight(*w.attn_norm);
    l.q_proj = backend.prepare_weight(*w.q_proj);
    l.k_proj = backend.prepare_weight(*w.k_proj);
    l.v_proj = backend.prepare_weight(*w.v_proj);
    l.q_bias = prepare_optional(w.q_bias);
    l.k_bias = prepare_optional(w.k_bias);
    l.v_bias = prepare_optional(w.v_bias);
    l.q_norm = prepare_optional(w.q_norm);
    l.k_norm = prepare_optional(w.k_norm);
    l.o_proj = backend.prepare_weight(*w.o_proj);
    l.ffn_norm = backend.prepare_weight(*w.ffn_norm);
    l.gate_proj = backend.prepare_weight(*w.gate_proj);
    l.up_proj = backend.prepare_weight(*w.up_proj);
    l.down_proj = backend.prepare_weight(*w.down_proj);
    layers_.push_back(std::move(l));
  }
  const int64_t t = max_num_tokens, h = config.hidden_size, q_dim = config.num_attention_heads * config.head_dim,
                kv_dim = config.num_key_value_heads * config.head_dim, ffn = config.intermediate_size;
  auto alloc = [&](int64_t cols, int64_t rows = 0) {
    const int64_t shape[2] = {rows > 0 ? rows : t, cols};
    return backend.allocate(DType::F32, shape);
  };
  hidden_ = alloc(h);
  normed_ = alloc(h);
  q_ = alloc(q_dim);
  k_ = alloc(kv_dim);
  v_ = alloc(kv_dim);
  attn_out_ = alloc(q_dim);
  proj_out_ = alloc(h);
  gate_ = alloc(ffn);
  up_ = alloc(ffn);
  logits_ = alloc(config.vocab_size, max_num_logits_rows);
}

Weight Decoder::prepare_optional(const TensorView* view) {
  return view == nullptr ? Weight{} : backend_.prepare_weight(*view);
}

void Decoder::forward(std::span<const int32_t> token_ids, const AttentionMetadata& metadata,
                      std::span<const LayerKvCache> kv_caches, std::span<const int32_t> logits_rows, float* logits,
                      const StepGraph* graph) {
  [[maybe_unused]] const auto num_tokens = static_cast<int64_t>(token_ids.size());
  assert(num_tokens > 0 && num_tokens <= max_num_tokens_);
  assert(metadata.num_tokens() == num_tokens);
  assert(kv_caches.size() == layers_.size());
  assert(static_cast<int64_t>(logits_rows.size()) <= std::min(num_tokens, max_num_logits_rows_));
  assert(graph == nullptr || graph->num_host_logits_rows <= static_cast<int64_t>(logits_rows.size()));

  if (graph == nullptr) {
    enqueue_step(token_ids, metadata, kv_caches, logits_rows);
  } else {
    bool ran = false;
    try {
      backend_.begin_graph_step(graph->key);
      enqueue_step(token_ids, metadata, kv_caches, logits_rows);
      ran = backend_.end_graph_step();
    } catch (...) {
      backend_.cancel_graph_step();
      throw;
    }
    if (!ran) enqueue_step(token_ids, metadata, kv_caches, logits_rows);  // the backend refused the replay
  }
  const int64_t num_rows = graph != nullptr ? graph->num_host_logits_rows : static_cast<int64_t>(logits_rows.size());
  if (num_rows == 0) return;
  backend_.copy_to_host(rows_of(logits_, num_rows), logits);
  backend_.synchronize();
}

void Decoder::enqueue_step(std::span<const int32_t> token_ids, const AttentionMetadata& metadata,
                           std::span<const LayerKvCache> kv_caches, std::span<const int32_t> logits_rows) {
  const auto num_tokens = static_cast<int64_t>(token_ids.size());
  const float eps = static_cast<float>(config_.rms_norm_eps);
  backend_.embedding(embed_tokens_, token_ids, rows_of(hidden_, num_tokens));
  for (size_t i = 0; i < layers_.size(); ++i) {
    attention_block(layers_[i], kv_caches[i], metadata, num_tokens);
    mlp_block(layers_[i], num_tokens);
  }
  // Only the sampling rows go through the final norm and lm_head (norm is per row, so gathering first is exact).
  const auto num_rows = static_cast<int64_t>(logits_rows.size());
  if (num_rows == 0) return;
  const DeviceTensor rows = rows_of(normed_, num_rows);
  backend_.gather_rows(rows_of(hidden_, num_tokens), logits_rows, rows);
  backend_.rms_norm(rows, final_norm_, eps, rows);
  backend_.linear(rows, lm_head_, nullptr, rows_of(logits_, num_rows));
}

void Decoder::attention_block(const Layer& l, const LayerKvCache& kv, const AttentionMetadata& metadata,
                              int64_t num_tokens) {
  const float eps = static_cast<float>(config_.rms_norm_eps);
  const DeviceTensor x = rows_of(hidden_, num_tokens), h = rows_of(normed_, num_tokens);
  const DeviceTensor q = rows_of(q_, num_tokens), k = rows_of(k_, num_tokens), v = rows_of(v_, num_tokens);
  backend_.rms_norm(x, l.attn_norm, eps, h);
  backend_.linear(h, l.q_proj, l.q_bias.empty() ? nullptr : &l.q_bias, q);
  backend_.linear(h, l.k_proj, l.k_bias.empty() ? nullptr : &l.k_bias, k);
  backend_.linear(h, l.v_proj, l.v_bias.empty() ? nullptr : &l.v_bias, v);
  if (!l.q_norm.empty()) {
    backend_.rms_norm_heads(q, l.q_norm, eps);
    backend_.rms_norm_heads(k, l.k_norm, eps);
  }
  backend_.rope(q, k, metadata.positions, rope_);
  backend_.store_kv(k, v, metadata.slot_mapping, kv.k, kv.v);
  const DeviceTensor attn = rows_of(attn_out_, num_tokens), proj = rows_of(proj_out_, num_tokens);
  backend_.attention(q, kv.k, kv.v, metadata, attention_scale_, attn);
  backend_.linear(attn, l.o_proj, nullptr, proj);
  backend_.add(x, proj, x);
}

void Decoder::mlp_block(const Layer& l, int64_t num_tokens) {
  const float eps = static_cast<float>(config_.rms_norm_eps);
  const DeviceTensor x = rows_of(hidden_, num_tokens), h = rows_of(normed_, num_tokens);
  const DeviceTensor gate = rows_of(gate_, num_tokens), up = rows_of(up_, num_tokens);
  const DeviceTensor proj = rows_of(proj_out_, num_tokens);
  backend_.rms_norm(x, l.ffn_norm, eps, h);
  backend_.linear(h, l.gate_proj, nullptr, gate);
  backend_.linear(h, l.up_proj, nullptr, up);
  backend_.silu_mul(gate, up, gate);
  backend_.linear(gate, l.down_proj, nullptr, proj);
  backend_.add(x, proj, x);
}

}  // namespace edgeserve
