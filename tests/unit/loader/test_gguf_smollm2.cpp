// The real SmolLM2-135M-Instruct Q4_1 GGUF against gguf-py's GGUFReader (its reading is recorded in
// tests/fixtures/models/smollm2-gguf.expected.json by scripts/gen_tiny_models.py): every tensor's name,
// type, shape, size and file offset; every metadata key's type, scalar values and array lengths.
// Also prints the load (mmap + parse) time.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/loader/gguf_file.h"
#include "tests/unit/loader/loader_test_util.h"

using namespace edgeserve;
using nlohmann::json;

namespace {

std::string require_default_model() {
  const std::string path = test::default_model_path();
  if (path.empty() || !std::filesystem::exists(path)) {
    FAIL("SmolLM2 GGUF not found (set EDGESERVE_DEFAULT_MODEL or run scripts/setup.sh); looked under " << test::source_dir() << "/.venv");
  }
  return path;
}

}  // namespace

TEST_CASE("SmolLM2 GGUF: tensors and metadata as gguf-py reads them", "[loader][gguf][smollm2]") {
  const std::string path = require_default_model();
  const auto start = std::chrono::steady_clock::now();
  const GgufFile file = GgufFile::open(path);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("SmolLM2 GGUF load (mmap + parse + validate): %.2f ms\n", ms);

  const json expected = test::read_json(test::models_fixture("smollm2-gguf.expected.json"));
  CHECK(std::filesystem::path(path).filename() == expected["file"].get<std::string>());
  CHECK(file.get_string("general.architecture") == "llama");

  const auto& want_tensors = expected["tensors"];
  REQUIRE(file.tensors().size() == want_tensors.size());
  CHECK(file.tensors().size() == 272);
  const uint8_t* base = file.tensors().front().data - want_tensors[0]["file_offset"].get<size_t>();
  for (size_t i = 0; i < want_tensors.size(); ++i) {
    const TensorView& view = file.tensors()[i];
    const json& want = want_tensors[i];
    INFO("tensor " << want["name"].get<std::string>());
    CHECK(view.name == want["name"].get<std::string>());
    CHECK(dtype_name(view.dtype) == want["dtype"].get<std::string>());
    CHECK(view.shape == want["shape"].get<std::vector<int64_t>>());
    CHECK(view.nbytes == want["nbytes"].get<size_t>());
    CHECK(static_cast<size_t>(view.data - base) == want["file_offset"].get<size_t>());
  }
  const TensorView* embd = file.tensor("token_embd.weight");
  REQUIRE(embd != nullptr);
  CHECK(embd->dtype == DType::Q8_0);
  CHECK(embd->shape == std::vector<int64_t>{49152, 576});
  const TensorView* down = file.tensor("blk.0.ffn_down.weight");
  REQUIRE(down != nullptr);
  CHECK(down->dtype == DType::Q4_1);
  CHECK(down->shape == std::vector<int64_t>{576, 1536});

  REQUIRE(file.metadata().size() == expected["metadata"].size());
  for (const auto& kv : file.metadata()) {
    INFO("key " << kv.key);
    REQUIRE(expected["metadata"].contains(kv.key));
    const json& want = expected["metadata"][kv.key];
    CHECK(gguf_type_name(kv.value.type) == want["type"].get<std::string>());
    if (kv.value.type == GgufType::ARRAY) {
      CHECK(std::get<GgufArray>(kv.value.data).size() == want["length"].get<size_t>());
    } else if (kv.value.type == GgufType::STRING) {
      CHECK(std::get<std::string>(kv.value.data) == want["value"].get<std::string>());
    } else if (kv.value.type == GgufType::BOOL) {
      CHECK(std::get<bool>(kv.value.data) == want["value"].get<bool>());
    } else {
      CHECK(*file.get_float(kv.key) == want["value"].get<double>());
    }
  }

  const auto* tokens = file.get_string_array("tokenizer.ggml.tokens");
  REQUIRE(tokens != nullptr);
  CHECK(tokens->size() == 49152);
  const auto template_text = file.get_string("tokenizer.chat_template");
  REQUIRE(template_text.has_value());
  CHECK(template_text->find("<|im_start|>") != std::string::npos);
  CHECK(file.get_string_array("tokenizer.ggml.merges")->size() == 48900);
  CHECK(file.get_uint("llama.block_count") == 30u);

  const json config = file.metadata_json(64);
  CHECK(config["llama.attention.layer_norm_rms_epsilon"].get<double>() == 1e-5);
  CHECK(config["llama.rope.freq_base"].get<double>() == 100000.0);
  CHECK_FALSE(config.contains("tokenizer.ggml.tokens"));
}
