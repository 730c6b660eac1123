// Malformed or unsupported tokenizer.json / tokenizer_config.json inputs: each is rejected with a
// TokenizerError whose message names the source and the faulty component (expected substrings below).
#include "engine/tokenizer/tokenizer_json.h"
#include "tests/unit/tokenizer/tokenizer_test_util.h"

using namespace edgeserve;

namespace {

// The smallest valid byte-level tokenizer.json: the 256-character alphabet plus one merge.
std::string minimal_json(const std::string& model_extra = "", const std::string& sections = "") {
  nlohmann::json vocab = nlohmann::json::object();
  const std::string alphabet =
      "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
  int id = 0;
  for (const char c : alphabet) vocab[std::string(1, c)] = id++;
  vocab["ab"] = id++;
  std::string text = R"({"model": {"type": "BPE", "vocab": )" + vocab.dump() + R"(, "merges": ["a b"])" + model_extra +
                     "}";
  text += sections.empty() ? R"(, "decoder": {"type": "ByteLevel"})" : sections;
  return text + "}";
}

void expect_error(const std::string& json_text, const std::vector<std::string>& fragments) {
  INFO("input: " << json_text.substr(0, 300));
  try {
    tokenizer_from_json(json_text, "bad_tokenizer.json");
    FAIL("no error was raised");
  } catch (const TokenizerError& e) {
    const std::string message = e.what();
    INFO("message: " << message);
    CHECK(message.find("bad_tokenizer.json") != std::string::npos);
    for (const auto& fragment : fragments) CHECK(message.find(fragment) != std::string::npos);
  }
}

}  // namespace

TEST_CASE("the minimal tokenizer.json used below is itself valid", "[tokenizer][errors]") {
  const Tokenizer tokenizer = tokenizer_from_json(minimal_json(), "minimal.json");
  CHECK(tokenizer.encode("abc", true) == std::vector<int32_t>{94, 66});  // "ab" merged, then "c"
}

TEST_CASE("tokenizer.json structural faults are rejected with the component named", "[tokenizer][errors]") {
  const std::string good = minimal_json();
  expect_error(good.substr(0, good.size() / 2), {"invalid JSON"});
  expect_error("", {"invalid JSON"});
  expect_error("[1, 2]", {"expected an object"});
  expect_error(R"({"decoder": {"type": "ByteLevel"}})", {"missing field 'model'"});
  expect_error(R"({"model": {"type": "WordPiece", "vocab": {}}})", {"model", "unsupported model type 'WordPiece'"});
  expect_error(R"({"model": {"type": "Unigram", "vocab": []}})", {"model", "Unigram"});
  expect_error(R"({"model": {"type": "BPE", "vocab": {"a": 0}}})", {"model", "missing field 'merges'"});
  expect_error(R"({"model": {"type": "BPE", "vocab": {"a": "zero"}, "merges": []}})", {"model.vocab.a", "integer"});
  expect_error(R"({"model": {"type": "BPE", "vocab": {"a": -3}, "merges": []}})", {"model.vocab.a", "out of range"});
  expect_error(R"({"model": {"type": "BPE", "vocab": {"a": 4000000000}, "merges": []}})", {"out of range"});
  expect_error(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 0}, "merges": []}, "decoder": {"type": "ByteLevel"}})",
               {"model", "id 0"});
  expect_error(R"({"model": {"type": "BPE", "dropout": 0.1, "vocab": {}, "merges": []}})", {"model.dropout"});
  expect_error(R"({"model": {"type": "BPE", "byte_fallback": true, "vocab": {}, "merges": []}})", {"byte_fallback"});
}

TEST_CASE("tokenizer.json merge faults are rejected", "[tokenizer][errors]") {
  const auto with_merges = [](const std::string& merges) {
    return R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": )" + merges +
           R"(}, "decoder": {"type": "ByteLevel"}})";
  };
  expect_error(with_merges(R"(["a z"])"), {"model", "merge 0", "token 'z' is not in the vocabulary"});
  expect_error(with_merges(R"(["a b", ["z", "b"]])"), {"merge 1", "token 'z'"});
  expect_error(with_merges(R"(["b a"])"), {"merge 0", "result 'ba' is not in the vocabulary"});
  expect_error(with_merges(R"(["ab"])"), {"model.merges[0]", "expected 'left right'"});
  expect_error(with_merges(R"(["a b c"])"), {"model.merges[0]"});
  expect_error(with_merges(R"([["a"]])"), {"model.merges[0]"});
  expect_error(with_merges(R"([[1, 2]])"), {"model.merges[0][0]", "expected a string"});
  expect_error(with_merges(R"({"a": "b"})"), {"model.merges", "expected an array"});
}

TEST_CASE("tokenizer.json pipeline components we do not support are rejected", "[tokenizer][errors]") {
  const std::string bytelevel = R"(, "decoder": {"type": "ByteLevel"})";
  expect_error(minimal_json("", R"(, "normalizer": {"type": "Lowercase"})" + bytelevel), {"normalizer", "Lowercase"});
  expect_error(minimal_json("", R"(, "normalizer": {"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Strip"}]})" + bytelevel),
               {"normalizer.normalizers[1]", "Strip"});
  expect_error(minimal_json("", R"(, "pre_tokenizer": {"type": "Whitespace"})" + bytelevel), {"pre_tokenizer", "Whitespace"});
  expect_error(minimal_json("", R"(, "pre_tokenizer": {"type": "Metaspace", "replacement": "_"})" + bytelevel),
               {"pre_tokenizer", "Metaspace"});
  expect_error(minimal_json("", R"(, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"})" + bytelevel),
               {"pre_tokenizer", "does not compile"});
  expect_error(minimal_json("", R"(, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Sideways"})" + bytelevel),
               {"pre_tokenizer.behavior", "Sideways"});
  expect_error(minimal_json("", R"(, "post_processor": {"type": "BertProcessing"})" + bytelevel), {"post_processor", "BertProcessing"});
  expect_error(minimal_json("", R"(, "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}], "special_tokens": {}})" + bytelevel),
               {"post_processor", "'<s>' is not in special_tokens"});
  expect_error(minimal_json("", R"(, "post_processor": {"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A"}}], "special_tokens": {}, "x": 1}, "decoder": {"type": "ByteLevel"}, "added_tokens": [{"id": 900, "content": ""}])"),
               {"added_tokens", "empty content"});
  expect_error(minimal_json("", R"(, "decoder": {"type": "WordPiece"})"), {"decoder", "WordPiece"});
  expect_error(minimal_json("", R"(, "decoder": null)"), {"decoder", "missing"});
  expect_error(minimal_json("", R"(, "added_tokens": [{"content": "<x>"}])" + bytelevel), {"added_tokens[0]", "missing field 'id'"});
  expect_error(minimal_json("", R"(, "added_tokens": [{"id": 2147483647, "content": "<x>"}])" + bytelevel),
               {"added_tokens", "out-of-range id 2147483647"});
  expect_error(minimal_json("", R"(, "added_tokens": [{"id": 1, "content": "<x>"}, {"id": 1, "content": "<y>"}])" + bytelevel),
               {"added_tokens", "id 1 appears twice"});
}

TEST_CASE("tokenizer_config.json: special-token forms, chat template forms, faults", "[tokenizer][errors][config]") {
  const auto config = parse_tokenizer_config(
      R"({"bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "pad_token": null,
          "chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}]})",
      "tokenizer_config.json");
  CHECK(config.bos_token == "<s>");
  CHECK(config.eos_token == "</s>");
  CHECK_FALSE(config.pad_token.has_value());
  CHECK(config.chat_template == "D");
  REQUIRE(config.named_chat_templates.size() == 2);
  CHECK(config.named_chat_templates[1] == std::make_pair(std::string("tool_use"), std::string("T")));
  CHECK_THROWS_WITH(parse_tokenizer_config(R"({"chat_template": 3})", "cfg.json"),
                    Catch::Contains("cfg.json") && Catch::Contains("chat_template"));
  CHECK_THROWS_WITH(parse_tokenizer_config(R"({"bos_token": 3})", "cfg.json"), Catch::Contains("bos_token"));
  TokenizerConfig unknown_eos;
  unknown_eos.eos_token = "<nope>";
  CHECK_THROWS_WITH(tokenizer_from_json(minimal_json(), "t.json", unknown_eos),
                    Catch::Contains("t.json") && Catch::Contains("eos_token '<nope>'"));
  CHECK_THROWS_WITH(load_tokenizer("/nonexistent/folder"), Catch::Contains("/nonexistent/folder") && Catch::Contains("not found"));
}
