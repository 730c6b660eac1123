// The SmolLM2 GGUF vocabulary (the bundled default model) through load_from_gguf against golden ids from Hugging
// Face `tokenizers` configured as SmolLM2-135M-Instruct's tokenizer.json (tests/fixtures/tokenizer/smollm2.json).
#include "engine/tokenizer/gguf_tokenizer.h"
#include "engine/tokenizer/incremental_detokenizer.h"
#include "engine/util/utf8.h"
#include "tests/unit/tokenizer/tokenizer_test_util.h"

using namespace edgeserve;

namespace {

GgufFile open_default_model() {
  const std::string path = test::default_model_path();
  INFO("default model GGUF not found (run scripts/setup.sh or set EDGESERVE_DEFAULT_MODEL)");
  REQUIRE(!path.empty());
  return GgufFile::open(path);
}

}  // namespace

TEST_CASE("SmolLM2 GGUF vocabulary encodes and decodes like HF tokenizers", "[tokenizer][golden][smollm2][gguf]") {
  const GgufFile gguf = open_default_model();
  const Tokenizer tokenizer = load_from_gguf(gguf);
  CHECK(tokenizer.vocab_size() == 49152);
  CHECK(tokenizer.bos_id() == 1);
  CHECK(tokenizer.eos_id() == 2);
  CHECK(tokenizer.config().eos_token == "<|im_end|>");
  CHECK(tokenizer.special_token_ids().size() == 17);
  CHECK(tokenizer.config().chat_template.find("<|im_start|>") != std::string::npos);
  const auto golden = test::load_golden("smollm2");
  size_t num_checked = 0;
  for (const auto& c : golden.at("cases")) {
    const std::string text = c.at("text").get<std::string>();
    INFO("text: " << text);
    const auto ids = test::ids_of(c.at("ids"));
    CHECK(tokenizer.encode(text, true) == ids);
    CHECK(tokenizer.encode(text, true, true) == ids);  // SmolLM2 adds no BOS
    if (c.contains("ids_plain")) CHECK(tokenizer.encode(text, false) == test::ids_of(c.at("ids_plain")));
    CHECK(tokenizer.decode(ids, false) == c.at("decoded").get<std::string>());
    CHECK(tokenizer.decode(ids, true) == c.at("decoded_skip").get<std::string>());
    CHECK(tokenizer.decode(tokenizer.encode(text, false), false) == text);

    IncrementalDetokenizer stream(tokenizer, false);
    std::string joined;
    for (const int32_t id : ids) {
      const std::string delta = stream.add(id);
      CHECK(utf8::is_valid(delta));
      joined += delta;
    }
    joined += stream.flush();
    CHECK(joined == c.at("decoded").get<std::string>());
    ++num_checked;
  }
  CHECK(num_checked >= 60);
  test::check_stress(golden, [&](const std::string& text) { return tokenizer.encode(text, true); });
}
