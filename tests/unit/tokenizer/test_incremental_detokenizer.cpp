// IncrementalDetokenizer against Tokenizer::decode (itself checked against HF golden text): for every golden
// string the deltas are valid UTF-8 and concatenate to decode(all ids).
#include "engine/tokenizer/incremental_detokenizer.h"
#include "engine/tokenizer/tokenizer_json.h"
#include "engine/util/utf8.h"
#include "tests/unit/tokenizer/tokenizer_test_util.h"

using namespace edgeserve;

namespace {

// Returns how many pieces were not valid UTF-8 on their own (byte pieces of emoji, CJK, ...).
size_t check_stream(const Tokenizer& tokenizer, const std::vector<int32_t>& ids, bool skip_special) {
  IncrementalDetokenizer stream(tokenizer, skip_special);
  std::string joined;
  size_t num_partial_pieces = 0;
  for (const int32_t id : ids) {
    if (!utf8::is_valid(tokenizer.token_to_piece(id))) ++num_partial_pieces;
    const std::string delta = stream.add(id);
    CHECK(utf8::is_valid(delta));
    joined += delta;
  }
  const std::string rest = stream.flush();
  CHECK(utf8::is_valid(rest));
  joined += rest;
  CHECK(joined == tokenizer.decode(ids, skip_special));
  return num_partial_pieces;
}

void check_all_golden(const std::string& folder, const std::string& golden_name) {
  const Tokenizer tokenizer = load_tokenizer(test::shared_tokenizer_folder(folder));
  size_t num_partial_pieces = 0;
  const auto golden = test::load_golden(golden_name);
  for (const auto& c : golden.at("cases")) {
    INFO("text: " << c.at("text").get<std::string>());
    const auto ids = test::ids_of(c.at("ids"));
    num_partial_pieces += check_stream(tokenizer, ids, false);
    check_stream(tokenizer, ids, true);
  }
  // The golden strings must exercise characters split across tokens, or this test proves little.
  CHECK(num_partial_pieces > 20);
}

}  // namespace

TEST_CASE("incremental detokenizer equals decode for every Qwen3 golden string", "[tokenizer][detokenizer]") {
  check_all_golden("qwen3-tokenizer", "qwen3");
}

TEST_CASE("incremental detokenizer equals decode for every Llama-3.1 golden string", "[tokenizer][detokenizer]") {
  check_all_golden("llama3.1-tokenizer", "llama3");
}

TEST_CASE("incremental detokenizer holds back half an emoji and replaces dead bytes", "[tokenizer][detokenizer]") {
  const Tokenizer tokenizer = load_tokenizer(test::shared_tokenizer_folder("qwen3-tokenizer"));
  // 🫠 (U+1FAE0, 4 bytes) is not one Qwen3 token: it arrives as byte pieces.
  const auto ids = tokenizer.encode("a\xF0\x9F\xAB\xA0", false);
  REQUIRE(ids.size() >= 3);
  IncrementalDetokenizer stream(tokenizer, false);
  std::string joined;
  for (size_t i = 0; i + 1 < ids.size(); ++i) joined += stream.add(ids[i]);
  CHECK(joined == "a");
  CHECK(stream.num_pending_bytes() > 0);
  CHECK(stream.add(ids.back()) == "\xF0\x9F\xAB\xA0");
  CHECK(stream.num_pending_bytes() == 0);

  // A lead byte followed by a plain letter can never complete: it becomes U+FFFD at once, as decode does.
  const auto lead = tokenizer.token_id("\xC3\xB0");  // stand-in of byte 0xF0
  const auto letter = tokenizer.token_id("b");
  REQUIRE(lead.has_value());
  REQUIRE(letter.has_value());
  IncrementalDetokenizer broken(tokenizer, false);
  CHECK(broken.add(*lead) == "");
  CHECK(broken.add(*letter) == "\xEF\xBF\xBD" "b");
  CHECK(broken.add(*lead) == "");
  CHECK(broken.flush() == "\xEF\xBF\xBD");
  const std::vector<int32_t> all{*lead, *letter, *lead};
  CHECK(tokenizer.decode(all, false) == "\xEF\xBF\xBD" "b" "\xEF\xBF\xBD");
}
