// ReasoningParser on the real Qwen3 vocabulary (../shared/models/qwen3-tokenizer) against an independent whole-
// output reference (split the ids at the tags, decode each section with Tokenizer::decode, drop leading
// newlines): token by token and in random groupings, for think + answer, an empty block (/no_think), no block,
// output cut off inside thinking, thinking disabled in the prompt, </think> typed in user text, and multi-byte
// text split across tokens.
#include <catch2/catch.hpp>

#include <random>

#include "engine/template/chat_template.h"
#include "engine/tokenizer/tokenizer_json.h"
#include "server/parsers/reasoning_parser.h"
#include "tests/test_paths.h"

using namespace edgeserve;

namespace {

struct Qwen3 {
  Tokenizer tokenizer = load_tokenizer(test::shared_dir() + "/models/qwen3-tokenizer");
  ChatTemplate tmpl = ChatTemplate::parse(tokenizer.config().chat_template, "qwen3");
  ReasoningTokens tags = *ReasoningTokens::find(tokenizer);

  std::vector<int32_t> prompt(const std::string& user_text, bool enable_thinking) {
    ChatTemplateInputs in;
    in.messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", user_text}}});
    in.add_generation_prompt = true;
    in.extra_kwargs["enable_thinking"] = enable_thinking;
    return tokenizer.encode(tmpl.render(in), true, false);
  }
  std::vector<int32_t> output(const std::string& text) { return tokenizer.encode(text, true, false); }
};

Qwen3& qwen3() {
  static Qwen3 q;
  return q;
}

std::string trim_newlines(std::string s) {
  s.erase(0, std::min(s.size(), s.find_first_not_of('\n')));
  return s;
}

ReasoningDelta reference(const std::vector<int32_t>& prompt, const std::vector<int32_t>& ids) {
  Qwen3& q = qwen3();
  const int32_t state = prompt_think_state(q.tokenizer, q.tags, prompt);
  size_t reasoning_begin = 0;
  bool reasoning = state == q.tags.think_start;
  if (state != q.tags.think_end && !reasoning && !ids.empty() && ids[0] == q.tags.think_start) {
    reasoning = true;
    reasoning_begin = 1;
  }
  ReasoningDelta out;
  if (!reasoning) {
    out.content = trim_newlines(q.tokenizer.decode(ids, true));
    return out;
  }
  size_t end = reasoning_begin;
  while (end < ids.size() && ids[end] != q.tags.think_end) ++end;
  out.reasoning = trim_newlines(q.tokenizer.decode(
      std::vector<int32_t>(ids.begin() + static_cast<long>(reasoning_begin), ids.begin() + static_cast<long>(end)), true));
  if (end < ids.size())
    out.content = trim_newlines(q.tokenizer.decode(std::vector<int32_t>(ids.begin() + static_cast<long>(end) + 1, ids.end()), true));
  return out;
}

void check_all_cuts(const std::vector<int32_t>& prompt, const std::vector<int32_t>& ids, const ReasoningDelta& expected) {
  const ReasoningDelta ref = reference(prompt, ids);
  CHECK(ref.reasoning == expected.reasoning);
  CHECK(ref.content == expected.content);
  std::mt19937 rng(1);
  for (int trial = 0; trial < 20; ++trial) {
    ReasoningParser parser(qwen3().tokenizer, qwen3().tags, prompt);
    ReasoningDelta joined;
    size_t i = 0;
    while (i < ids.size()) {   // trial 0: one token at a time; then random groups
      const size_t group = trial == 0 ? 1 : 1 + rng() % 5;
      ReasoningDelta chunk;
      for (size_t k = 0; k < group && i < ids.size(); ++k, ++i) {
        auto d = parser.add(ids[i]);
        chunk.reasoning += d.reasoning;
        chunk.content += d.content;
      }
      joined.reasoning += chunk.reasoning;
      joined.content += chunk.content;
    }
    auto d = parser.flush();
    joined.reasoning += d.reasoning;
    joined.content += d.content;
    REQUIRE(joined.reasoning == expected.reasoning);
    REQUIRE(joined.content == expected.content);
  }
}

}  // namespace

TEST_CASE("think block then answer", "[server][reasoning]") {
  auto& q = qwen3();
  check_all_cuts(q.prompt("What is 2+2?", true), q.output("<think>\nTwo plus two is four.\n</think>\n\nIt is 4."),
                 {"Two plus two is four.\n", "It is 4."});
}

TEST_CASE("empty think block as after /no_think", "[server][reasoning]") {
  auto& q = qwen3();
  check_all_cuts(q.prompt("hi /no_think", true), q.output("<think>\n\n</think>\n\nHello!"), {"", "Hello!"});
}

TEST_CASE("no think block at all", "[server][reasoning]") {
  auto& q = qwen3();
  check_all_cuts(q.prompt("hi", true), q.output("Hello there."), {"", "Hello there."});
}

TEST_CASE("output cut off inside thinking is all reasoning", "[server][reasoning]") {
  auto& q = qwen3();
  check_all_cuts(q.prompt("hi", true), q.output("<think>\nLet me consider the"), {"Let me consider the", ""});
}

TEST_CASE("thinking disabled in the prompt: everything is content", "[server][reasoning]") {
  auto& q = qwen3();
  const auto prompt = q.prompt("hi", false);
  REQUIRE(prompt_think_state(q.tokenizer, q.tags, prompt) == q.tags.think_end);
  check_all_cuts(prompt, q.output("Sure: a </think> b"), {"", "Sure: a </think> b"});   // a tag in content is text
}

TEST_CASE("a </think> typed by the user does not switch thinking off", "[server][reasoning]") {
  auto& q = qwen3();
  const auto prompt = q.prompt("what does </think> mean?", true);
  CHECK(prompt_think_state(q.tokenizer, q.tags, prompt) == -1);
  check_all_cuts(prompt, q.output("<think>\nA tag.\n</think>\n\nIt closes a block."), {"A tag.\n", "It closes a block."});
}

TEST_CASE("multi-byte text split across tokens in both sections", "[server][reasoning]") {
  auto& q = qwen3();
  check_all_cuts(q.prompt("天气?", true), q.output("<think>\n上海 🌧️ 下雨\n</think>\n\n今天 🌂 适合"),
                 {"上海 🌧️ 下雨\n", "今天 🌂 适合"});
}
