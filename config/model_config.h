#pragma once
// ModelConfig: the architecture facts the engine needs, read from a Hugging Face config.json (+
// generation_config.json) or from GGUF metadata. Supports the decoder families llama, qwen2 and qwen3;
// anything else is a ConfigError "unsupported architecture X". Validated once at construction.
// This layer never includes loader headers: GGUF metadata arrives as JSON (GgufFile::metadata_json()).
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgeserve {

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Architecture { kLlama, kQwen2, kQwen3 };
const char* architecture_name(Architecture arch);

// Llama 3.x frequency scaling of RoPE ("rope_type": "llama3").
struct Llama3RopeScaling {
  double factor = 8.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

// Sampling defaults a model ships in generation_config.json; unset means "the request or server decides".
struct GenerationDefaults {
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<int64_t> top_k;
  std::optional<double> min_p;
  std::optional<double> repetition_penalty;
  std::vector<int32_t> eos_token_ids;
};

struct ModelConfig {
  Architecture architecture = Architecture::kLlama;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;           // may differ from hidden_size / num_attention_heads (Qwen3)
  int64_t vocab_size = 0;
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  std::optional<Llama3RopeScaling> rope_scaling;
  bool tie_word_embeddings = false;
  bool qk_norm = false;           // per-head RMSNorm on q and k (Qwen3)
  bool attention_bias = false;    // bias on q/k/v projections (Qwen2)
  std::optional<int32_t> bos_token_id;
  std::vector<int32_t> eos_token_ids;
  std::string torch_dtype;        // as declared by the checkpoint ("bfloat16", ...); empty when unknown
  GenerationDefaults generation;

  // From the parsed config.json of a Hugging Face folder; `source` names the file in errors.
  static ModelConfig from_hf_config(const nlohmann::json& config, const std::string& source);
  // Adds generation_config.json defaults (and its eos ids) to an existing config.
  void apply_generation_config(const nlohmann::json& generation_config, const std::string& source);
  // From GGUF metadata as JSON. `vocab_size` comes from the token list or the embedding tensor when the
  // metadata lacks `<arch>.vocab_size`; `has_output_weight` is false when lm_head is tied to the embedding.
  static ModelConfig from_gguf_metadata(const nlohmann::json& metadata, std::optional<int64_t> vocab_size,
                                        bool has_output_weight, const std::string& source);

  // Bytes of K and V for one token over all layers, at `bytes_per_element` per value.
  int64_t kv_bytes_per_token(int64_t bytes_per_element) const;

  // Throws ConfigError naming `source` and the field when the sizes are inconsistent.
  void validate(const std::string& source) const;
};

}  // namespace edgeserve
