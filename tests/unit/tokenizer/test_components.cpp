// Tokenizer parts checked against hand-derived expectations: the GPT-2 byte alphabet (its published table),
// the \s rewrite for PCRE2, split behaviours (Hugging Face's SplitDelimiterBehavior docs examples), the
// GGUF `pre` names, and token lookups.
#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/tokenizer_data.h"
#include "engine/tokenizer/tokenizer_json.h"
#include "tests/unit/tokenizer/tokenizer_test_util.h"

#include <thread>

using namespace edgeserve;
using namespace edgeserve::tokenizer;

namespace {

std::vector<std::string> split_with(SplitBehavior behavior, const std::string& pattern, const std::string& text,
                                    bool invert = false) {
  PreTokenizerStep step;
  step.kind = PreTokenizerStep::Kind::kSplit;
  step.regex.emplace_back(pattern, "test");
  step.behavior = behavior;
  step.invert = invert;
  std::vector<PreTokenizerStep> steps;
  steps.push_back(std::move(step));
  std::vector<std::string> pieces;
  PreTokenizer(std::move(steps)).split(text, pieces);
  return pieces;
}

using Pieces = std::vector<std::string>;

}  // namespace

TEST_CASE("byte-level alphabet is GPT-2's bytes_to_unicode", "[tokenizer][components]") {
  const auto& table = byte_to_unicode();
  CHECK(table[' '] == "\xC4\xA0");   // Ġ U+0120
  CHECK(table['\n'] == "\xC4\x8A");  // Ċ U+010A
  CHECK(table['a'] == "a");
  CHECK(table[0xAD] == "\xC5\x83");  // soft hyphen -> U+0143, the last stand-in
  CHECK(table[0xFF] == "\xC3\xBF");  // ÿ stands for itself
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes += static_cast<char>(b);
  std::string back;
  REQUIRE(byte_level_decode(byte_level_encode(bytes), back));
  CHECK(back == bytes);
  CHECK_FALSE(byte_level_decode("\xE4\xBD\xA0", back));  // 你 is not a stand-in character
}

TEST_CASE("the whitespace class is rewritten to Unicode White_Space for PCRE2", "[tokenizer][components]") {
  const std::string ws = "[\\t\\n\\x{0B}\\f\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]";
  CHECK(translate_hf_pattern("\\s+") == ws + "+");
  CHECK(translate_hf_pattern("(?!\\S)") == "(?![^" + ws.substr(1) + ")");
  CHECK(translate_hf_pattern("[^\\s\\p{L}]") == "[^" + ws.substr(1, ws.size() - 2) + "\\p{L}]");
  CHECK(translate_hf_pattern("[]\\s]") == "[]" + ws.substr(1, ws.size() - 2) + "]");
  // U+180E is no longer White_Space: PCRE2's own \s would take it.
  CHECK(split_with(SplitBehavior::kIsolated, "\\s+", "a\xE1\xA0\x8E" "b c") == Pieces{"a\xE1\xA0\x8E" "b", " ", "c"});
}

TEST_CASE("split behaviours follow Hugging Face's SplitDelimiterBehavior", "[tokenizer][components]") {
  const std::string text = "the-final--countdown";
  CHECK(split_with(SplitBehavior::kRemoved, "-", text) == Pieces{"the", "final", "countdown"});
  CHECK(split_with(SplitBehavior::kIsolated, "-", text) == Pieces{"the", "-", "final", "-", "-", "countdown"});
  CHECK(split_with(SplitBehavior::kMergedWithPrevious, "-", text) == Pieces{"the-", "final-", "-", "countdown"});
  CHECK(split_with(SplitBehavior::kMergedWithNext, "-", text) == Pieces{"the", "-final", "-", "-countdown"});
  CHECK(split_with(SplitBehavior::kContiguous, "-", text) == Pieces{"the", "-", "final", "--", "countdown"});
  // Inverted, each dash is its own non-match part: the words are removed, the dashes stay apart.
  CHECK(split_with(SplitBehavior::kRemoved, "-", text, /*invert=*/true) == Pieces{"-", "-", "-"});
  CHECK(split_with(SplitBehavior::kIsolated, "x*", "axb") == Pieces{"a", "x", "b"});  // empty matches skipped
}

TEST_CASE("GGUF data: unsupported model or pre names and bad merges are rejected", "[tokenizer][components][errors]") {
  TokenizerData data;
  data.tokens = {"a", "b", "ab"};
  data.merges = {"a b"};
  data.pre = "smollm";
  const Tokenizer tokenizer = tokenizer_from_data(data, "model.gguf");
  CHECK(tokenizer.encode("ab1", true) == std::vector<int32_t>{2});  // '1' is not in this vocabulary: dropped
  TokenizerData bad = data;
  bad.pre = "chameleon";
  CHECK_THROWS_WITH(tokenizer_from_data(bad, "model.gguf"), Catch::Contains("model.gguf") && Catch::Contains("chameleon"));
  bad = data;
  bad.model = "llama";
  CHECK_THROWS_WITH(tokenizer_from_data(bad, "model.gguf"), Catch::Contains("tokenizer.ggml.model"));
  bad = data;
  bad.merges = {"ab"};
  CHECK_THROWS_WITH(tokenizer_from_data(bad, "model.gguf"), Catch::Contains("tokenizer.ggml.merges[0]"));
  bad = data;
  bad.token_types = {1, 1};
  CHECK_THROWS_WITH(tokenizer_from_data(bad, "model.gguf"), Catch::Contains("token_type"));
  bad = data;
  bad.bos_id = 7;
  CHECK_THROWS_WITH(tokenizer_from_data(bad, "model.gguf"), Catch::Contains("bos token: id 7"));
  bad = data;
  bad.add_bos = true;
  CHECK_THROWS_WITH(tokenizer_from_data(bad, "model.gguf"), Catch::Contains("add_bos_token"));
}

TEST_CASE("token lookups: pieces, ids, unknown ids", "[tokenizer][components]") {
  const Tokenizer tokenizer = load_tokenizer(test::shared_tokenizer_folder("qwen3-tokenizer") + "/tokenizer.json");
  const auto space_the = tokenizer.token_id("\xC4\xA0the");  // "Ġthe"
  REQUIRE(space_the.has_value());
  CHECK(tokenizer.token_to_piece(*space_the) == " the");
  CHECK(tokenizer.token_to_piece(151644) == "<|im_start|>");
  CHECK(tokenizer.token_to_piece(-1).empty());
  CHECK(tokenizer.token_to_piece(tokenizer.vocab_size()).empty());
  CHECK_FALSE(tokenizer.token_id("no such token").has_value());
  const std::vector<int32_t> ids{*space_the, -5, 999999999, 151644};
  CHECK(tokenizer.decode(ids, false) == " the<|im_start|>");  // unknown ids skipped, as HF does
  CHECK(tokenizer.decode(ids, true) == " the");
  // Invalid UTF-8 input is encoded as its U+FFFD replacement.
  CHECK(tokenizer.encode("a\xFF" "b", false) == tokenizer.encode("a\xEF\xBF\xBD" "b", false));
}

TEST_CASE("encode from several threads at once gives the single-thread ids", "[tokenizer][components]") {
  const Tokenizer tokenizer = load_tokenizer(test::shared_tokenizer_folder("qwen3-tokenizer"));
  const auto golden = test::load_golden("qwen3");
  std::vector<std::string> texts;
  std::vector<std::vector<int32_t>> expected;
  for (const auto& c : golden.at("cases")) {
    texts.push_back(c.at("text").get<std::string>());
    expected.push_back(test::ids_of(c.at("ids")));
  }
  std::vector<int> num_mismatches(4, 0);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < num_mismatches.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round)
        for (size_t i = 0; i < texts.size(); ++i)
          if (tokenizer.encode(texts[(i + t) % texts.size()], true) != expected[(i + t) % texts.size()]) ++num_mismatches[t];
    });
  }
  for (auto& thread : threads) thread.join();
  for (const int n : num_mismatches) CHECK(n == 0);
}
