// ToolCallParser: for Hermes and Llama-3 JSON outputs, the result of feeding the text in one piece equals the
// result of feeding it byte by byte (joined content, and tool calls rebuilt from the deltas the way LangChain
// and the SDK accumulate them), and the delta protocol holds: index on every delta, id/type/name only on a
// call's first delta. Expected calls are written out by hand.
#include <catch2/catch.hpp>

#include <map>

#include "server/parsers/tool_call_parser.h"

using namespace edgeserve;

namespace {

struct Result {
  std::string content;
  std::vector<std::pair<std::string, nlohmann::json>> calls;   // name, parsed arguments
};

// Feeds `pieces`, then finish(); rebuilds calls from the deltas as a client does and checks the protocol.
Result run(ToolCallFormat format, const std::vector<std::string>& pieces, bool parallel = true) {
  ToolCallParser p(format, parallel);
  Result r;
  std::map<int64_t, std::pair<std::string, std::string>> by_index;   // name, concatenated arguments
  auto take = [&](const ToolCallDelta& d) {
    r.content += d.content;
    for (const auto& t : d.tool_calls) {
      REQUIRE(t.contains("index"));
      const auto index = t["index"].get<int64_t>();
      const bool first = !by_index.count(index);
      CHECK(t.contains("id") == first);
      CHECK((t.contains("function") && t["function"].contains("name")) == first);
      if (first) by_index[index].first = t["function"]["name"];
      by_index[index].second += t["function"].value("arguments", "");
    }
  };
  for (const auto& piece : pieces) take(p.add(piece));
  take(p.finish());
  for (const auto& [index, call] : by_index) r.calls.emplace_back(call.first, nlohmann::json::parse(call.second));
  REQUIRE(p.calls().size() == r.calls.size());
  return r;
}

std::vector<std::string> bytes_of(const std::string& s) {
  std::vector<std::string> out;
  for (char c : s) out.emplace_back(1, c);
  return out;
}

void check_both_ways(ToolCallFormat f, const std::string& text, const Result& expected, bool parallel = true) {
  for (const auto& pieces : {std::vector<std::string>{text}, bytes_of(text)}) {
    const Result r = run(f, pieces, parallel);
    CHECK(r.content == expected.content);
    REQUIRE(r.calls.size() == expected.calls.size());
    for (size_t i = 0; i < r.calls.size(); ++i) {
      CHECK(r.calls[i].first == expected.calls[i].first);
      CHECK(r.calls[i].second == expected.calls[i].second);
    }
  }
}

}  // namespace

TEST_CASE("hermes: content, then one call", "[server][tools]") {
  check_both_ways(ToolCallFormat::kHermes,
                  "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"上海\"}}\n</tool_call>",
                  {"Let me check.\n", {{"get_weather", {{"city", "上海"}}}}});
}

TEST_CASE("hermes: two calls, and parallel_tool_calls false keeps the first", "[server][tools]") {
  const std::string text =
      "<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\": 1}}\n</tool_call>\n"
      "<tool_call>\n{\"name\": \"b\", \"arguments\": {}}\n</tool_call>";
  check_both_ways(ToolCallFormat::kHermes, text, {"", {{"a", {{"x", 1}}}, {"b", nlohmann::json::object()}}});
  check_both_ways(ToolCallFormat::kHermes, text, {"", {{"a", {{"x", 1}}}}}, /*parallel=*/false);
}

TEST_CASE("hermes: a block that is not a call stays content, an unclosed block at the end is a call", "[server][tools]") {
  check_both_ways(ToolCallFormat::kHermes, "x <tool_call>not json</tool_call> y",
                  {"x <tool_call>not json</tool_call> y", {}});
  check_both_ways(ToolCallFormat::kHermes, "<tool_call>\n{\"name\": \"f\", \"arguments\": \"{\\\"k\\\": true}\"}",
                  {"", {{"f", {{"k", true}}}}});
  check_both_ways(ToolCallFormat::kHermes, "a < b and <tool_ is not a tag", {"a < b and <tool_ is not a tag", {}});
}

TEST_CASE("llama3 json: calls, python tag, several, and plain answers", "[server][tools]") {
  check_both_ways(ToolCallFormat::kLlama3Json, "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}",
                  {"", {{"get_weather", {{"city", "Paris"}}}}});
  check_both_ways(ToolCallFormat::kLlama3Json,
                  "<|python_tag|>{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"n\": 2}}",
                  {"", {{"a", nlohmann::json::object()}, {"b", {{"n", 2}}}}});
  check_both_ways(ToolCallFormat::kLlama3Json, "The weather is fine.", {"The weather is fine.", {}});
  check_both_ways(ToolCallFormat::kLlama3Json, "{\"not\": \"a call\"}", {"{\"not\": \"a call\"}", {}});
}

TEST_CASE("the format follows the chat template", "[server][tools]") {
  CHECK(tool_call_format_for_template("... <tool_call> ...") == ToolCallFormat::kHermes);
  CHECK(tool_call_format_for_template("... <|python_tag|> ... ipython") == ToolCallFormat::kLlama3Json);
  CHECK(tool_call_format_for_template("{{ messages }}") == ToolCallFormat::kHermes);
}
