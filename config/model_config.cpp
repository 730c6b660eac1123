#include "config/model_config.h"

#include <string_view>

namespace edgeserve {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw ConfigError(source + ": " + what);
}

Architecture parse_architecture(const std::string& name, const std::string& source) {
  if (name == "llama") return Architecture::kLlama;
  if (name == "qwen2") return Architecture::kQwen2;
  if (name == "qwen3") return Architecture::kQwen3;
  fail(source, "unsupported architecture " + name + " (supported: llama, qwen2, qwen3)");
}

// Typed field readers: a present field of the wrong type is an error naming it; absence is std::nullopt.
std::optional<int64_t> get_int(const json& j, std::string_view key, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer() || it->is_number_unsigned()) return it->get<int64_t>();
  if (it->is_number_float() && it->get<double>() == static_cast<double>(static_cast<int64_t>(it->get<double>())))
    return static_cast<int64_t>(it->get<double>());
  fail(source, "field '" + std::string(key) + "' must be an integer, got " + it->dump());
}

std::optional<double> get_number(const json& j, std::string_view key, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  fail(source, "field '" + std::string(key) + "' must be a number, got " + it->dump());
}

std::optional<bool> get_bool(const json& j, std::string_view key, const std::string& source) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (it->is_boolean()) return it->get<bool>();
  fail(source, "field '" + std::string(key) + "' must be a boolean, got " + it->dump());
}

int64_t require_int(const json& j, std::string_view key, const std::string& source) {
  auto v = get_int(j, key, source);
  if (!v) fail(source, "missing required field '" + std::string(key) + "'");
  return *v;
}

// eos_token_id may be one id or a list of ids.
std::vector<int32_t> get_token_ids(const json& j, std::string_view key, const std::string& source) {
  auto it = j.find(key);
  std::vector<int32_t> ids;
  if (it == j.end() || it->is_null()) return ids;
  auto add = [&](const json& v) {
    if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX)
      fail(source, "field '" + std::string(key) + "' must hold token ids, got " + v.dump());
    ids.push_back(static_cast<int32_t>(v.get<int64_t>()));
  };
  if (it->is_array()) {
    for (const auto& v : *it) add(v);
  } else {
    add(*it);
  }
  return ids;
}

// RoPE settings come in two spellings: transformers < 5 writes top-level `rope_theta` plus an optional
// `rope_scaling` object; transformers >= 5 writes one `rope_parameters` object holding `rope_theta`,
// `rope_type` and the scaling fields. Returns the object holding the scaling fields (or nullptr).
const json* rope_object(const json& config, const std::string& source) {
  for (const char* key : {"rope_parameters", "rope_scaling"}) {
    auto it = config.find(key);
    if (it == config.end() || it->is_null()) continue;
    if (!it->is_object()) fail(source, "field '" + std::string(key) + "' must be an object");
    return &*it;
  }
  return nullptr;
}

std::optional<Llama3RopeScaling> parse_rope_scaling(const json* rope, const std::string& source) {
  if (rope == nullptr) return std::nullopt;
  std::string type = rope->value("rope_type", rope->value("type", std::string("default")));
  if (type == "default") return std::nullopt;
  if (type != "llama3") fail(source, "unsupported rope_scaling type '" + type + "' (supported: llama3)");
  Llama3RopeScaling s;
  s.factor = get_number(*rope, "factor", source).value_or(s.factor);
  s.low_freq_factor = get_number(*rope, "low_freq_factor", source).value_or(s.low_freq_factor);
  s.high_freq_factor = get_number(*rope, "high_freq_factor", source).value_or(s.high_freq_factor);
  s.original_max_position_embeddings =
      get_int(*rope, "original_max_position_embeddings", source).value_or(s.original_max_position_embeddings);
  return s;
}

}  // namespace

const char* architecture_name(Architecture arch) {
  switch (arch) {
    case Architecture::kLlama: return "llama";
    case Architecture::kQwen2: return "qwen2";
    case Architecture::kQwen3: return "qwen3";
  }
  return "?";
}

ModelConfig ModelConfig::from_hf_config(const json& config, const std::string& source) {
  if (!config.is_object()) fail(source, "config must be a JSON object");
  auto type_it = config.find("model_type");
  if (type_it == config.end() || !type_it->is_string()) fail(source, "missing string field 'model_type'");
  ModelConfig c;
  c.architecture = parse_architecture(type_it->get<std::string>(), source);
  c.hidden_size = require_int(config, "hidden_size", source);
  c.intermediate_size = require_int(config, "intermediate_size", source);
  c.num_hidden_layers = require_int(config, "num_hidden_layers", source);
  c.num_attention_heads = require_int(config, "num_attention_heads", source);
  c.num_key_value_heads = get_int(config, "num_key_value_heads", source).value_or(c.num_attention_heads);
  c.vocab_size = require_int(config, "vocab_size", source);
  c.head_dim = get_int(config, "head_dim", source)
                   .value_or(c.num_attention_heads > 0 ? c.hidden_size / c.num_attention_heads : 0);
  c.max_position_embeddings = get_int(config, "max_position_embeddings", source).value_or(2048);
  c.rms_norm_eps = get_number(config, "rms_norm_eps", source).value_or(1e-6);
  const json* rope = rope_object(config, source);
  c.rope_theta = get_number(config, "rope_theta", source)
                     .value_or(rope ? get_number(*rope, "rope_theta", source).value_or(10000.0) : 10000.0);
  c.rope_scaling = parse_rope_scaling(rope, source);
  c.tie_word_embeddings = get_bool(config, "tie_word_embeddings", source).value_or(false);
  c.qk_norm = c.architecture == Architecture::kQwen3;
  const bool default_bias = c.architecture == Architecture::kQwen2;
  c.attention_bias = get_bool(config, "attention_bias", source).value_or(default_bias);
  if (auto bos = get_int(config, "bos_token_id", source); bos && *bos >= 0) c.bos_token_id = static_cast<int32_t>(*bos);
  c.eos_token_ids = get_token_ids(config, "eos_token_id", source);
  if (auto it = config.find("torch_dtype"); it != config.end() && it->is_string()) c.torch_dtype = *it;
  else if (auto it2 = config.find("dtype"); it2 != config.end() && it2->is_string()) c.torch_dtype = *it2;
  c.validate(source);
  return c;
}

void ModelConfig::apply_generation_config(const json& gen, const std::string& source) {
  if (!gen.is_object()) fail(source, "generation config must be a JSON object");
  generation.temperature = get_number(gen, "temperature", source);
  generation.top_p = get_number(gen, "top_p", source);
  generation.top_k = get_int(gen, "top_k", source);
  generation.min_p = get_number(gen, "min_p", source);
  generation.repetition_penalty = get_number(gen, "repetition_penalty", source);
  generation.eos_token_ids = get_token_ids(gen, "eos_token_id", source);
  // generation_config's eos list is the one generation stops on (Qwen lists <|im_end|> and <|endoftext|>).
  for (int32_t id : generation.eos_token_ids) {
    bool known = false;
    for (int32_t e : eos_token_ids) known = known || e == id;
    if (!known) eos_token_ids.push_back(id);
  }
}

ModelConfig ModelConfig::from_gguf_metadata(const json& md, std::optional<int64_t> vocab_size,
                                            bool has_output_weight, const std::string& source) {
  if (!md.is_object()) fail(source, "metadata must be an object");
  auto arch_it = md.find("general.architecture");
  if (arch_it == md.end() || !arch_it->is_string()) fail(source, "missing string metadata 'general.architecture'");
  const std::string arch = arch_it->get<std::string>();
  ModelConfig c;
  c.architecture = parse_architecture(arch, source);
  auto key = [&](const char* suffix) { return arch + "." + suffix; };
  c.hidden_size = require_int(md, key("embedding_length"), source);
  c.intermediate_size = require_int(md, key("feed_forward_length"), source);
  c.num_hidden_layers = require_int(md, key("block_count"), source);
  c.num_attention_heads = require_int(md, key("attention.head_count"), source);
  c.num_key_value_heads = get_int(md, key("attention.head_count_kv"), source).value_or(c.num_attention_heads);
  c.head_dim = get_int(md, key("attention.key_length"), source)
                   .value_or(c.num_attention_heads > 0 ? c.hidden_size / c.num_attention_heads : 0);
  c.vocab_size = get_int(md, key("vocab_size"), source).value_or(vocab_size.value_or(0));
  c.max_position_embeddings = get_int(md, key("context_length"), source).value_or(2048);
  c.rms_norm_eps = get_number(md, key("attention.layer_norm_rms_epsilon"), source).value_or(1e-6);
  c.rope_theta = get_number(md, key("rope.freq_base"), source).value_or(10000.0);
  // llama.cpp bakes llama3 rope scaling into a `rope_freqs.weight` tensor instead of metadata.
  c.tie_word_embeddings = !has_output_weight;
  c.qk_norm = c.architecture == Architecture::kQwen3;
  c.attention_bias = c.architecture == Architecture::kQwen2;
  if (auto bos = get_int(md, "tokenizer.ggml.bos_token_id", source)) c.bos_token_id = static_cast<int32_t>(*bos);
  c.eos_token_ids = get_token_ids(md, "tokenizer.ggml.eos_token_id", source);
  for (int32_t id : get_token_ids(md, "tokenizer.ggml.eot_token_id", source))
    if (c.eos_token_ids.empty() || c.eos_token_ids[0] != id) c.eos_token_ids.push_back(id);
  c.validate(source);
  return c;
}

int64_t ModelConfig::kv_bytes_per_token(int64_t bytes_per_element) const {
  return 2 * num_hidden_layers * num_key_value_heads * head_dim * bytes_per_element;
}

void ModelConfig::validate(const std::string& source) const {
  auto positive = [&](int64_t v, const char* name) {
    if (v <= 0 || v > (int64_t{1} << 31)) fail(source, std::string(name) + " must be in [1, 2^31], got " + std::to_string(v));
  };
  positive(hidden_size, "hidden_size");
  positive(intermediate_size, "intermediate_size");
  positive(num_hidden_layers, "num_hidden_layers");
  positive(num_attention_heads, "num_attention_heads");
  positive(num_key_value_heads, "num_key_value_heads");
  positive(head_dim, "head_dim");
  positive(vocab_size, "vocab_size");
  positive(max_position_embeddings, "max_position_embeddings");
  if (num_attention_heads % num_key_value_heads != 0)
    fail(source, "num_attention_heads (" + std::to_string(num_attention_heads) +
                     ") is not a multiple of num_key_value_heads (" + std::to_string(num_key_value_heads) + ")");
  if (head_dim % 2 != 0) fail(source, "head_dim must be even for RoPE, got " + std::to_string(head_dim));
  if (!(rms_norm_eps > 0.0)) fail(source, "rms_norm_eps must be > 0");
  if (!(rope_theta > 0.0)) fail(source, "rope_theta must be > 0");
  if (bos_token_id && *bos_token_id >= vocab_size) fail(source, "bos_token_id outside the vocabulary");
  for (int32_t id : eos_token_ids)
    if (id >= vocab_size) fail(source, "eos_token_id " + std::to_string(id) + " outside the vocabulary");
}

}  // namespace edgeserve
