// Encoding and decoding against golden ids from Hugging Face `tokenizers` (tests/fixtures/tokenizer/*.json,
// scripts/gen_tokenizer_golden.py) for the real Qwen3 and Llama-3.1 tokenizer.json files, both through the
// tokenizer.json loader and through the GGUF-style TokenizerData path with the matching `pre` name.
#include "engine/tokenizer/tokenizer_data.h"
#include "engine/tokenizer/tokenizer_json.h"
#include "engine/util/utf8.h"
#include "tests/unit/tokenizer/tokenizer_test_util.h"

using namespace edgeserve;
using nlohmann::json;

namespace {

// Checks every case of a golden file: encode in each recorded mode, and decode with and without specials.
void check_golden(const Tokenizer& tokenizer, const json& golden) {
  size_t num_checked = 0;
  for (const json& c : golden.at("cases")) {
    const std::string text = c.at("text").get<std::string>();
    INFO("text: " << text);
    const auto ids = test::ids_of(c.at("ids"));
    CHECK(tokenizer.encode(text, /*parse_special=*/true) == ids);
    if (c.contains("ids_plain")) CHECK(tokenizer.encode(text, /*parse_special=*/false) == test::ids_of(c.at("ids_plain")));
    if (c.contains("ids_add_special"))
      CHECK(tokenizer.encode(text, true, /*add_special_tokens=*/true) == test::ids_of(c.at("ids_add_special")));
    CHECK(tokenizer.decode(ids, /*skip_special_tokens=*/false) == c.at("decoded").get<std::string>());
    CHECK(tokenizer.decode(ids, /*skip_special_tokens=*/true) == c.at("decoded_skip").get<std::string>());
    ++num_checked;
  }
  CHECK(num_checked >= 60);
  test::check_stress(golden, [&](const std::string& text) { return tokenizer.encode(text, true); });
}

// decode(encode(s)) == normalize(s) for valid text without special tokens.
void check_round_trip(const Tokenizer& tokenizer, const json& golden, bool nfc) {
  const tokenizer::Normalizer normalizer = nfc ? tokenizer::Normalizer({tokenizer::NormalizationForm::kNFC})
                                               : tokenizer::Normalizer();
  for (const json& c : golden.at("cases")) {
    const std::string text = c.at("text").get<std::string>();
    INFO("text: " << text);
    CHECK(tokenizer.decode(tokenizer.encode(text, false), false) == normalizer.apply(text));
  }
}

// The GGUF path: tokens by id, merges as "a b", added tokens as CONTROL (special) / USER_DEFINED.
TokenizerData data_from_tokenizer_json(const std::string& path, const std::string& pre) {
  const json root = json::parse(test::read_text_file(path));
  const json& model = root.at("model");
  TokenizerData data;
  data.pre = pre;
  int32_t end = 0;
  for (const auto& [token, id] : model.at("vocab").items()) end = std::max(end, id.get<int32_t>() + 1);
  for (const json& added : root.at("added_tokens")) end = std::max(end, added.at("id").get<int32_t>() + 1);
  data.tokens.assign(end, "");
  data.token_types.assign(end, static_cast<int32_t>(GgufTokenType::kNormal));
  for (const auto& [token, id] : model.at("vocab").items()) data.tokens[id.get<int32_t>()] = token;
  for (const json& added : root.at("added_tokens")) {
    const int32_t id = added.at("id").get<int32_t>();
    data.tokens[id] = added.at("content").get<std::string>();
    data.token_types[id] = static_cast<int32_t>(added.at("special").get<bool>() ? GgufTokenType::kControl
                                                                                : GgufTokenType::kUserDefined);
  }
  for (const json& merge : model.at("merges")) {
    data.merges.push_back(merge.is_string() ? merge.get<std::string>()
                                            : merge.at(0).get<std::string>() + " " + merge.at(1).get<std::string>());
  }
  return data;
}

}  // namespace

TEST_CASE("qwen3 tokenizer.json encodes and decodes like HF tokenizers", "[tokenizer][golden][qwen3]") {
  const Tokenizer tokenizer = load_tokenizer(test::shared_tokenizer_folder("qwen3-tokenizer"));
  check_golden(tokenizer, test::load_golden("qwen3"));
  check_round_trip(tokenizer, test::load_golden("qwen3"), /*nfc=*/true);
  CHECK(tokenizer.vocab_size() == 151669);
  CHECK(tokenizer.token_id("<think>") == 151667);
  CHECK(tokenizer.token_id("<|im_end|>") == 151645);
  CHECK(tokenizer.eos_id() == 151645);
  CHECK_FALSE(tokenizer.bos_id().has_value());
  CHECK(tokenizer.is_special(151645));
  CHECK_FALSE(tokenizer.is_special(151667));  // <think> is an added token, not a special one
  CHECK(tokenizer.config().chat_template.find("<|im_start|>") != std::string::npos);
}

TEST_CASE("llama3.1 tokenizer.json encodes and decodes like HF tokenizers", "[tokenizer][golden][llama3]") {
  const Tokenizer tokenizer = load_tokenizer(test::shared_tokenizer_folder("llama3.1-tokenizer"));
  check_golden(tokenizer, test::load_golden("llama3"));
  check_round_trip(tokenizer, test::load_golden("llama3"), /*nfc=*/false);
  CHECK(tokenizer.vocab_size() == 128256);
  CHECK(tokenizer.bos_id() == 128000);
  CHECK(tokenizer.eos_id() == tokenizer.token_id("<|eot_id|>"));
  CHECK(tokenizer.config().bos_token == "<|begin_of_text|>");
  CHECK(tokenizer.config().clean_up_tokenization_spaces == true);  // as its tokenizer_config.json says
  CHECK(tokenizer.special_token_ids().size() == 256);
}

TEST_CASE("hand-made tokenizer.json matches HF for lstrip/rstrip/single_word/normalized/ignore_merges/prefix space",
          "[tokenizer][golden][tiny]") {
  const std::string path = test::fixtures_dir() + "/tokenizer/tiny_tokenizer.json";
  const Tokenizer tokenizer = load_tokenizer(path);
  // The two variants the generator also builds: the edits below mirror scripts/gen_tokenizer_golden.py.
  json variant = json::parse(test::read_text_file(path));
  REQUIRE(variant.at("model").at("ignore_merges") == false);
  variant["model"]["ignore_merges"] = true;
  const Tokenizer ignoring = tokenizer_from_json(variant.dump(), "tiny_tokenizer.json (ignore_merges)");
  variant["model"]["ignore_merges"] = false;
  variant["pre_tokenizer"] = json::parse(R"({"type": "Sequence", "pretokenizers": [
      {"type": "Digits", "individual_digits": false},
      {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}]})");
  const Tokenizer prefixing = tokenizer_from_json(variant.dump(), "tiny_tokenizer.json (prefix space)");
  const json golden = test::load_golden("tiny");
  for (const json& c : golden.at("cases")) {
    const std::string s = c.at("text").get<std::string>();
    INFO("text: " << s);
    const auto ids = test::ids_of(c.at("ids"));
    CHECK(tokenizer.encode(s, true) == ids);
    CHECK(ignoring.encode(s, true) == test::ids_of(c.at("ids_ignore_merges")));
    CHECK(prefixing.encode(s, true) == test::ids_of(c.at("ids_prefix_space")));
    CHECK(tokenizer.encode(s, false) == test::ids_of(c.at("ids_plain")));
    CHECK(tokenizer.encode(s, true, true) == test::ids_of(c.at("ids_add_special")));
    CHECK(tokenizer.decode(ids, false) == c.at("decoded").get<std::string>());
    CHECK(tokenizer.decode(ids, true) == c.at("decoded_skip").get<std::string>());
  }
}

TEST_CASE("GGUF-style data with pre 'qwen2' encodes like the Qwen3 tokenizer.json", "[tokenizer][golden][gguf]") {
  const std::string folder = test::shared_tokenizer_folder("qwen3-tokenizer");
  const Tokenizer tokenizer = tokenizer_from_data(data_from_tokenizer_json(folder + "/tokenizer.json", "qwen2"), "qwen3 data");
  const json golden = test::load_golden("qwen3");
  for (const json& c : golden.at("cases")) {
    const std::string text = c.at("text").get<std::string>();
    INFO("text: " << text);
    CHECK(tokenizer.encode(text, true) == test::ids_of(c.at("ids")));
    if (c.contains("ids_plain")) CHECK(tokenizer.encode(text, false) == test::ids_of(c.at("ids_plain")));
  }
  test::check_stress(golden, [&](const std::string& text) { return tokenizer.encode(text, true); });
}

TEST_CASE("GGUF-style data with pre 'llama-bpe' and add_bos encodes like Llama-3.1", "[tokenizer][golden][gguf]") {
  const std::string folder = test::shared_tokenizer_folder("llama3.1-tokenizer");
  TokenizerData data = data_from_tokenizer_json(folder + "/tokenizer.json", "llama-bpe");
  data.bos_id = 128000;
  data.eos_id = 128009;
  data.add_bos = true;
  const Tokenizer tokenizer = tokenizer_from_data(std::move(data), "llama3 data");
  CHECK(tokenizer.config().bos_token == "<|begin_of_text|>");
  const json golden = test::load_golden("llama3");
  for (const json& c : golden.at("cases")) {
    const std::string text = c.at("text").get<std::string>();
    INFO("text: " << text);
    CHECK(tokenizer.encode(text, true) == test::ids_of(c.at("ids")));
    CHECK(tokenizer.encode(text, true, true) == test::ids_of(c.at("ids_add_special")));
  }
  test::check_stress(golden, [&](const std::string& text) { return tokenizer.encode(text, true); });
}

TEST_CASE("a 1 MB single word encodes and decodes back", "[tokenizer][large]") {
  const Tokenizer qwen = load_tokenizer(test::shared_tokenizer_folder("qwen3-tokenizer"));
  const Tokenizer llama = load_tokenizer(test::shared_tokenizer_folder("llama3.1-tokenizer"));
  std::string random_letters(1 << 20, 'a');
  uint32_t state = 12345;
  for (char& c : random_letters) {
    state = state * 1664525u + 1013904223u;
    c = static_cast<char>('a' + (state >> 24) % 26);
  }
  for (const std::string& word : {std::string(1 << 20, 'a'), random_letters}) {
    for (const Tokenizer* tokenizer : {&qwen, &llama}) {
      const auto ids = tokenizer->encode(word, false);
      CHECK(ids.size() < word.size());  // merges happened
      CHECK(tokenizer->decode(ids, false) == word);
    }
  }
}
