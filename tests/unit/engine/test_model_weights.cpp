// Weight mapping against the names and shapes the reference writers produce: transformers' own
// save_pretrained (tests/fixtures/golden/*), llama.cpp's GGUF names (the bundled SmolLM2), and a broken
// checkpoint assembled from them.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "engine/model/model_weights.h"
#include "tests/test_paths.h"

using namespace edgeserve;
namespace fs = std::filesystem;

namespace {
std::string golden(const std::string& name) { return test::fixtures_dir() + "/golden/" + name; }
}  // namespace

TEST_CASE("model weights: Hugging Face names of every architecture", "[engine][model_weights]") {
  for (const char* name : {"llama-untied-rope-scaling", "qwen2-bias-tied", "qwen3-tied", "qwen3-untied-mha"}) {
    INFO(name);
    ModelFiles files = ModelFiles::open(golden(name));
    ModelWeights w = map_model_weights(files);
    const ModelConfig& c = files.config();
    REQUIRE(w.layers.size() == static_cast<size_t>(c.num_hidden_layers));
    CHECK(w.rope_mode == RopeMode::kNeox);
    CHECK((w.lm_head == w.embed_tokens) == c.tie_word_embeddings);
    CHECK((w.layers[0].q_bias != nullptr) == c.attention_bias);
    CHECK((w.layers[0].q_norm != nullptr) == c.qk_norm);
    CHECK(w.layers.back().down_proj->name ==
          "model.layers." + std::to_string(c.num_hidden_layers - 1) + ".mlp.down_proj.weight");
  }
}

TEST_CASE("model weights: llama.cpp GGUF names, interleaved rope for llama", "[engine][model_weights]") {
  const std::string path = test::default_model_path();
  REQUIRE_FALSE(path.empty());
  ModelFiles files = ModelFiles::open(path);
  ModelWeights w = map_model_weights(files);
  CHECK(w.layers.size() == 30);
  CHECK(w.rope_mode == RopeMode::kInterleaved);
  CHECK(w.lm_head == w.embed_tokens);
  CHECK(w.embed_tokens->dtype == DType::Q8_0);
  CHECK(w.layers[0].q_proj->dtype == DType::Q4_1);
  CHECK(w.layers[0].q_proj->shape == std::vector<int64_t>{576, 576});
  CHECK(w.layers[0].k_proj->shape == std::vector<int64_t>{192, 576});
  CHECK(w.layers[29].ffn_norm->name == "blk.29.ffn_norm.weight");
}

TEST_CASE("model weights: a wrong shape or a missing tensor names the tensor", "[engine][model_weights]") {
  const fs::path src = golden("qwen3-tied");
  const fs::path dir = fs::temp_directory_path() / "edgeserve_model_weights_bad";
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(src / "model.safetensors", dir / "model.safetensors");
  nlohmann::json config;
  std::ifstream(src / "config.json") >> config;

  config["intermediate_size"] = 96;  // the checkpoint's MLP is 128 wide
  std::ofstream(dir / "config.json") << config.dump();
  CHECK_THROWS_WITH(map_model_weights(ModelFiles::open(dir.string())),
                    Catch::Contains("model.layers.0.mlp.gate_proj.weight") &&
                        Catch::Contains("expected shape [96, 64], got [128, 64]"));

  config["intermediate_size"] = 128;
  config["num_hidden_layers"] = 3;  // the checkpoint has 2
  std::ofstream(dir / "config.json", std::ios::trunc) << config.dump();
  CHECK_THROWS_WITH(map_model_weights(ModelFiles::open(dir.string())),
                    Catch::Contains("missing tensor 'model.layers.2.input_layernorm.weight'"));

  config["num_hidden_layers"] = 2;
  config["tie_word_embeddings"] = false;  // then lm_head.weight must exist
  std::ofstream(dir / "config.json", std::ios::trunc) << config.dump();
  CHECK_THROWS_WITH(map_model_weights(ModelFiles::open(dir.string())), Catch::Contains("missing tensor 'lm_head.weight'"));
  fs::remove_all(dir);
}
