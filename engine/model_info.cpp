#include "engine/model_info.h"

#include <algorithm>
#include <cassert>
#include <cstdio>

namespace edgeserve {
namespace {

std::string human_bytes(int64_t bytes) {
  char buf[32];
  const double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.2f GiB", b / (1024.0 * 1024 * 1024));
  else if (b >= 1024.0 * 1024) std::snprintf(buf, sizeof buf, "%.1f MiB", b / (1024.0 * 1024));
  else std::snprintf(buf, sizeof buf, "%.1f KiB", b / 1024.0);
  return buf;
}

std::string human_count(int64_t n) {
  char buf[32];
  if (n >= 1000000000) std::snprintf(buf, sizeof buf, "%.2fB", n / 1e9);
  else if (n >= 1000000) std::snprintf(buf, sizeof buf, "%.1fM", n / 1e6);
  else std::snprintf(buf, sizeof buf, "%.1fK", n / 1e3);
  return buf;
}

}  // namespace

ModelInfo describe_model(const ModelFiles& files, int64_t max_model_len, int64_t block_size) {
  assert(block_size > 0);
  ModelInfo info;
  info.path = files.path();
  info.format = files.format_description();
  info.config = files.config();
  for (const TensorView& t : files.tensors()) {
    DTypeUsage& u = info.dtype_histogram[std::string(dtype_name(t.dtype))];
    u.num_tensors += 1;
    u.num_elements += t.num_elements();
    u.num_bytes += static_cast<int64_t>(t.nbytes);
    info.num_tensors += 1;
    info.num_parameters += t.num_elements();
    info.weight_bytes += static_cast<int64_t>(t.nbytes);
  }
  if (const Tokenizer* tok = files.tokenizer()) {
    info.tokenizer = "byte-level BPE, " + std::to_string(tok->vocab_size()) + " tokens";
    for (int32_t id : tok->special_token_ids()) {
      const std::string& piece = tok->token_to_piece(id);
      info.special_tokens.emplace_back(piece, id);
    }
    if (auto bos = tok->bos_id()) info.bos_token = tok->token_to_piece(*bos);
    if (auto eos = tok->eos_id()) info.eos_token = tok->token_to_piece(*eos);
  } else {
    info.tokenizer = "none";
  }
  if (const ChatTemplate* t = files.chat_template()) {
    info.has_chat_template = true;
    info.chat_template_origin = t->origin();
  }
  const ModelConfig& c = info.config;
  info.max_model_len = max_model_len > 0 ? max_model_len : c.max_position_embeddings;
  info.block_size = block_size;
  info.kv_bytes_per_token = c.kv_bytes_per_token(2);
  info.kv_blocks_per_sequence = (info.max_model_len + block_size - 1) / block_size;
  const int64_t logits_bytes = c.vocab_size * 4;
  info.memory_needed_bytes =
      info.weight_bytes + info.kv_blocks_per_sequence * block_size * info.kv_bytes_per_token + logits_bytes;
  return info;
}

nlohmann::ordered_json to_json(const ModelInfo& info) {
  const ModelConfig& c = info.config;
  nlohmann::ordered_json j;
  j["path"] = info.path;
  j["format"] = info.format;
  j["architecture"] = architecture_name(c.architecture);
  j["hidden_size"] = c.hidden_size;
  j["intermediate_size"] = c.intermediate_size;
  j["num_hidden_layers"] = c.num_hidden_layers;
  j["num_attention_heads"] = c.num_attention_heads;
  j["num_key_value_heads"] = c.num_key_value_heads;
  j["head_dim"] = c.head_dim;
  j["vocab_size"] = c.vocab_size;
  j["max_position_embeddings"] = c.max_position_embeddings;
  j["rope_theta"] = c.rope_theta;
  j["rms_norm_eps"] = c.rms_norm_eps;
  j["tie_word_embeddings"] = c.tie_word_embeddings;
  j["qk_norm"] = c.qk_norm;
  j["attention_bias"] = c.attention_bias;
  j["num_tensors"] = info.num_tensors;
  j["num_parameters"] = info.num_parameters;
  j["weight_bytes"] = info.weight_bytes;
  auto& hist = j["dtypes"] = nlohmann::ordered_json::object();
  for (const auto& [name, u] : info.dtype_histogram)
    hist[name] = {{"tensors", u.num_tensors}, {"elements", u.num_elements}, {"bytes", u.num_bytes}};
  j["tokenizer"] = info.tokenizer;
  auto& special = j["special_tokens"] = nlohmann::ordered_json::object();
  for (const auto& [piece, id] : info.special_tokens) special[piece] = id;
  j["bos_token"] = info.bos_token;
  j["eos_token"] = info.eos_token;
  j["chat_template"] = info.has_chat_template;
  j["max_model_len"] = info.max_model_len;
  j["block_size"] = info.block_size;
  j["kv_bytes_per_token"] = info.kv_bytes_per_token;
  j["memory_needed_bytes"] = info.memory_needed_bytes;
  j["open_seconds"] = info.open_seconds;
  return j;
}

std::string to_text(const ModelInfo& info) {
  const ModelConfig& c = info.config;
  std::string out;
  auto line = [&](const std::string& key, const std::string& value) { out += key + std::string(std::max<size_t>(1, 22 - key.size()), ' ') + value + "\n"; };
  line("model", info.path);
  line("format", info.format);
  line("architecture", std::string(architecture_name(c.architecture)) + (c.qk_norm ? " (q/k norm)" : "") +
                           (c.attention_bias ? " (qkv bias)" : "") + (c.tie_word_embeddings ? " (tied embeddings)" : ""));
  line("layers", std::to_string(c.num_hidden_layers));
  line("hidden / ffn", std::to_string(c.hidden_size) + " / " + std::to_string(c.intermediate_size));
  line("heads q / kv / dim", std::to_string(c.num_attention_heads) + " / " + std::to_string(c.num_key_value_heads) +
                                 " / " + std::to_string(c.head_dim));
  line("vocab", std::to_string(c.vocab_size));
  line("context", std::to_string(c.max_position_embeddings) + " (rope theta " + std::to_string(static_cast<int64_t>(c.rope_theta)) +
                      (c.rope_scaling ? ", llama3 scaling" : "") + ")");
  line("parameters", human_count(info.num_parameters) + " in " + std::to_string(info.num_tensors) + " tensors, " +
                         human_bytes(info.weight_bytes));
  for (const auto& [name, u] : info.dtype_histogram)
    line("  " + name, std::to_string(u.num_tensors) + (u.num_tensors == 1 ? " tensor, " : " tensors, ") + human_count(u.num_elements) + " elements, " +
                          human_bytes(u.num_bytes));
  line("tokenizer", info.tokenizer);
  if (!info.bos_token.empty() || !info.eos_token.empty())
    line("bos / eos", (info.bos_token.empty() ? "-" : info.bos_token) + " / " + (info.eos_token.empty() ? "-" : info.eos_token));
  std::string special;
  const size_t shown = std::min<size_t>(info.special_tokens.size(), 12);
  for (size_t i = 0; i < shown; ++i)
    special += (i ? " " : "") + info.special_tokens[i].first + "=" + std::to_string(info.special_tokens[i].second);
  if (info.special_tokens.size() > shown) special += " ... (" + std::to_string(info.special_tokens.size()) + " in all)";
  line("special tokens", special.empty() ? "none" : special);
  line("chat template", info.has_chat_template ? "yes (" + info.chat_template_origin + ")" : "no");
  line("memory needed", human_bytes(info.memory_needed_bytes) + " = weights + F16 KV for " +
                            std::to_string(info.max_model_len) + " tokens (" + human_bytes(info.kv_bytes_per_token) +
                            "/token, " + std::to_string(info.kv_blocks_per_sequence) + " blocks of " +
                            std::to_string(info.block_size) + ") + logits");
  char t[32];
  std::snprintf(t, sizeof t, "%.3f s", info.open_seconds);
  line("open time", t);
  return out;
}

}  // namespace edgeserve
