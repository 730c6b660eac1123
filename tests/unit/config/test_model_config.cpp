// ModelConfig against the published config.json of real checkpoints (values copied from the Hugging Face
// model cards' config.json: Qwen3-0.6B, Llama-3.2-1B, Qwen2.5-0.5B) and GGUF metadata keys as llama.cpp writes them.
#include <catch2/catch.hpp>

#include "config/model_config.h"

using namespace edgeserve;
using nlohmann::json;

namespace {
json qwen3_0_6b() {
  return json::parse(R"({
    "architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "bos_token_id": 151643,
    "eos_token_id": 151645, "head_dim": 128, "hidden_size": 1024, "intermediate_size": 3072,
    "max_position_embeddings": 40960, "model_type": "qwen3", "num_attention_heads": 16,
    "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06, "rope_scaling": null,
    "rope_theta": 1000000, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 151936})");
}
}  // namespace

TEST_CASE("model config: Qwen3-0.6B config.json", "[config][model_config]") {
  ModelConfig c = ModelConfig::from_hf_config(qwen3_0_6b(), "config.json");
  CHECK(c.architecture == Architecture::kQwen3);
  CHECK(c.hidden_size == 1024);
  CHECK(c.head_dim == 128);  // explicit, not hidden / heads
  CHECK(c.num_key_value_heads == 8);
  CHECK(c.qk_norm);
  CHECK_FALSE(c.attention_bias);
  CHECK(c.tie_word_embeddings);
  CHECK(c.rope_theta == 1e6);
  CHECK(c.bos_token_id == 151643);
  CHECK(c.eos_token_ids == std::vector<int32_t>{151645});
  CHECK(c.torch_dtype == "bfloat16");
  CHECK(c.kv_bytes_per_token(2) == 2 * 28 * 8 * 128 * 2);

  c.apply_generation_config(json::parse(R"({"bos_token_id": 151643, "do_sample": true,
      "eos_token_id": [151645, 151643], "pad_token_id": 151643, "temperature": 0.6, "top_k": 20, "top_p": 0.95})"),
                            "generation_config.json");
  CHECK(c.generation.temperature == 0.6);
  CHECK(c.generation.top_k == 20);
  CHECK(c.generation.top_p == 0.95);
  CHECK_FALSE(c.generation.min_p.has_value());
  CHECK(c.eos_token_ids == std::vector<int32_t>{151645, 151643});
}

TEST_CASE("model config: Llama-3.2-1B with llama3 rope scaling", "[config][model_config]") {
  json j = json::parse(R"({"architectures": ["LlamaForCausalLM"], "bos_token_id": 128000,
    "eos_token_id": [128001, 128008, 128009], "head_dim": 64, "hidden_size": 2048, "intermediate_size": 8192,
    "max_position_embeddings": 131072, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16,
    "num_key_value_heads": 8, "rms_norm_eps": 1e-05, "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0,
    "low_freq_factor": 1.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"},
    "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 128256})");
  ModelConfig c = ModelConfig::from_hf_config(j, "config.json");
  CHECK(c.architecture == Architecture::kLlama);
  REQUIRE(c.rope_scaling.has_value());
  CHECK(c.rope_scaling->factor == 32.0);
  CHECK(c.rope_scaling->original_max_position_embeddings == 8192);
  CHECK(c.eos_token_ids == std::vector<int32_t>{128001, 128008, 128009});
  CHECK_FALSE(c.qk_norm);
}

TEST_CASE("model config: Qwen2.5 has qkv bias by default", "[config][model_config]") {
  json j = json::parse(R"({"model_type": "qwen2", "hidden_size": 896, "intermediate_size": 4864,
    "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2, "vocab_size": 151936,
    "max_position_embeddings": 32768, "rope_theta": 1000000.0, "rms_norm_eps": 1e-06, "tie_word_embeddings": true,
    "eos_token_id": 151643, "bos_token_id": 151643})");
  ModelConfig c = ModelConfig::from_hf_config(j, "config.json");
  CHECK(c.attention_bias);
  CHECK(c.head_dim == 64);
}

TEST_CASE("model config: GGUF metadata of a llama-architecture file", "[config][model_config]") {
  // Keys and values as in the bundled SmolLM2-135M-Instruct GGUF.
  json md = json::parse(R"({"general.architecture": "llama", "llama.block_count": 30,
    "llama.context_length": 8192, "llama.embedding_length": 576, "llama.feed_forward_length": 1536,
    "llama.attention.head_count": 9, "llama.attention.head_count_kv": 3, "llama.rope.freq_base": 100000.0,
    "llama.attention.layer_norm_rms_epsilon": 1e-05, "llama.vocab_size": 49152,
    "tokenizer.ggml.bos_token_id": 1, "tokenizer.ggml.eos_token_id": 2})");
  ModelConfig c = ModelConfig::from_gguf_metadata(md, std::nullopt, false, "smollm2.gguf");
  CHECK(c.head_dim == 64);
  CHECK(c.num_key_value_heads == 3);
  CHECK(c.tie_word_embeddings);
  CHECK(c.max_position_embeddings == 8192);
  CHECK(c.eos_token_ids == std::vector<int32_t>{2});
  md.erase("llama.vocab_size");
  CHECK(ModelConfig::from_gguf_metadata(md, 49152, true, "x.gguf").vocab_size == 49152);
  CHECK_FALSE(ModelConfig::from_gguf_metadata(md, 49152, true, "x.gguf").tie_word_embeddings);
}

TEST_CASE("model config: unsupported and inconsistent configs are clear errors", "[config][model_config]") {
  json j = qwen3_0_6b();
  j["model_type"] = "gemma2";
  CHECK_THROWS_WITH(ModelConfig::from_hf_config(j, "config.json"),
                    Catch::Contains("config.json") && Catch::Contains("unsupported architecture gemma2"));
  j = qwen3_0_6b();
  j["num_key_value_heads"] = 5;
  CHECK_THROWS_WITH(ModelConfig::from_hf_config(j, "config.json"), Catch::Contains("num_key_value_heads"));
  j = qwen3_0_6b();
  j.erase("hidden_size");
  CHECK_THROWS_WITH(ModelConfig::from_hf_config(j, "config.json"), Catch::Contains("missing required field 'hidden_size'"));
  j = qwen3_0_6b();
  j["vocab_size"] = "big";
  CHECK_THROWS_WITH(ModelConfig::from_hf_config(j, "config.json"), Catch::Contains("'vocab_size' must be an integer"));
  j = qwen3_0_6b();
  j["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  CHECK_THROWS_WITH(ModelConfig::from_hf_config(j, "config.json"), Catch::Contains("unsupported rope_scaling type 'yarn'"));
  j = qwen3_0_6b();
  j["eos_token_id"] = 999999;
  CHECK_THROWS_WITH(ModelConfig::from_hf_config(j, "config.json"), Catch::Contains("outside the vocabulary"));
  CHECK_THROWS_WITH(ModelConfig::from_gguf_metadata(json{{"general.architecture", "phi3"}}, 10, true, "m.gguf"),
                    Catch::Contains("m.gguf") && Catch::Contains("unsupported architecture phi3"));
}

TEST_CASE("model config: transformers 5 writes rope settings as rope_parameters", "[config][model_config]") {
  // As transformers 5.24 saves a Llama-3 config (tests/fixtures/golden/*/config.json were written so).
  json j = json::parse(R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 3, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 256,
    "rope_parameters": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
      "original_max_position_embeddings": 64, "rope_theta": 500000.0, "rope_type": "llama3"}})");
  ModelConfig c = ModelConfig::from_hf_config(j, "config.json");
  CHECK(c.rope_theta == 500000.0);
  REQUIRE(c.rope_scaling.has_value());
  CHECK(c.rope_scaling->factor == 8.0);
  CHECK(c.rope_scaling->original_max_position_embeddings == 64);
  j["rope_parameters"] = {{"rope_theta", 1000000.0}, {"rope_type", "default"}};
  c = ModelConfig::from_hf_config(j, "config.json");
  CHECK(c.rope_theta == 1e6);
  CHECK_FALSE(c.rope_scaling.has_value());
}
