// Chat message validation and normalization: the message rules of docs/OPENAI_COMPAT.md and OpenAI's chat
// API reference (roles, text parts, tool_calls, tool_call_id), each bad message checked for status 400, type
// and param "messages"; normalized output compared against the exact JSON the chat template should receive.
#include <catch2/catch.hpp>

#include "server/openai/chat_messages.h"
#include "tests/unit/openai/openai_test_util.h"

using namespace edgeserve::openai;
using namespace edgeserve::openai::test;
using Json = nlohmann::ordered_json;

namespace {

std::string with_messages(const std::string& messages) { return R"({"model":"m","messages":)" + messages + "}"; }

}  // namespace

TEST_CASE("chat messages: malformed messages are a 400 with param messages", "[openai]") {
  struct Case {
    const char* messages;  // nullptr: the field is absent
    const char* message;
  };
  const Case cases[] = {
      {nullptr, "messages is missing"},
      {"null", "messages is missing"},
      {"[]", "at least one message"},
      {R"("hi")", "messages must be an array, got string"},
      {"{}", "messages must be an array, got object"},
      {"[123]", "messages[0] must be an object, got number"},
      {"[{}]", "messages[0].role is missing"},
      {R"([{"role":123,"content":"x"}])", "messages[0].role must be a string, got number"},
      {R"([{"role":"wizard","content":"x"}])", "\"wizard\" is not one of system, developer, user, assistant, tool"},
      {R"([{"role":"user","content":"a"},{"role":"tool","content":"42"}])", "messages[1] (tool) needs tool_call_id"},
      {R"([{"role":"tool","content":"42","tool_call_id":7}])", "tool_call_id must be a string"},
      {R"([{"role":"user","content":[{"type":"image_url","image_url":{"url":"http://x/y.png"}}]}])",
       "this model accepts text only; messages[0].content[0] has type \"image_url\""},
      {R"([{"role":"user","content":[{"type":"text","text":"a"},{"type":"input_audio"}]}])",
       "this model accepts text only"},
      {R"([{"role":"user","content":[{"text":"a"}]}])", "messages[0].content[0].type must be a string"},
      {R"([{"role":"user","content":[{"type":"text"}]}])", "messages[0].content[0].text must be a string"},
      {R"([{"role":"user","content":[{"type":"text","text":5}]}])", "messages[0].content[0].text must be a string"},
      {R"([{"role":"user","content":["a"]}])", "messages[0].content[0] must be an object, got string"},
      {R"([{"role":"user","content":5}])", "content must be a string or an array of content parts, got number"},
      {R"([{"role":"user","content":{"text":"a"}}])", "content must be a string or an array"},
      {R"([{"role":"user"}])", "messages[0] (user) needs content"},
      {R"([{"role":"user","content":null}])", "messages[0] (user) needs content"},
      {R"([{"role":"system"}])", "messages[0] (system) needs content"},
      {R"([{"role":"developer"}])", "messages[0] (system) needs content"},
      {R"([{"role":"tool","tool_call_id":"c1"}])", "messages[0] (tool) needs content"},
      {R"([{"role":"assistant"}])", "needs content or tool_calls"},
      {R"([{"role":"assistant","content":null,"tool_calls":[]}])", "needs content or tool_calls"},
      {R"([{"role":"assistant","tool_calls":{}}])", "tool_calls must be an array"},
      {R"([{"role":"assistant","tool_calls":[5]}])", "tool_calls[0] must be an object"},
      {R"([{"role":"assistant","tool_calls":[{"type":"function"}]}])", "tool_calls[0].function must be an object"},
      {R"([{"role":"assistant","tool_calls":[{"function":{"arguments":"{}"}}]}])", "function.name must be a string"},
      {R"([{"role":"assistant","tool_calls":[{"type":"code","function":{"name":"f"}}]}])",
       "type must be \"function\""},
      {R"([{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":5}}]}])",
       "arguments must be a string or an object"},
      {R"([{"role":"user","content":"a","name":5}])", "messages[0].name must be a string"},
  };
  for (const Case& c : cases) {
    const std::string body = c.messages ? with_messages(c.messages) : R"({"model":"m"})";
    INFO(body);
    const ApiError e = chat_error(body);
    check_400(e, "messages");
    CHECK_THAT(e.message, Catch::Contains(c.message));
  }
}

TEST_CASE("chat messages: an unknown role is quoted, truncated and escaped", "[openai]") {
  const std::string role = std::string(500, 'r') + "\n";
  const ApiError e = chat_error(with_messages(R"([{"role":")" + role.substr(0, 500) + R"(\n","content":"x"}])"));
  check_400(e, "messages");
  CHECK(e.message.find(std::string(101, 'r')) == std::string::npos);
  CHECK(e.message.find('\n') == std::string::npos);
}

TEST_CASE("chat messages: string content passes through", "[openai]") {
  const auto r = chat_ok(with_messages(R"([{"role":"system","content":"be brief"},{"role":"user","content":"hi"}])"));
  CHECK(r.messages == Json::parse(R"([{"role":"system","content":"be brief"},{"role":"user","content":"hi"}])"));
}

TEST_CASE("chat messages: text parts are joined with newlines (vLLM's join)", "[openai]") {
  const auto r = chat_ok(with_messages(
      R"([{"role":"user","content":[{"type":"text","text":"first"},{"type":"text","text":"second"}]}])"));
  CHECK(r.messages == Json::parse(R"([{"role":"user","content":"first\nsecond"}])"));
  const auto empty = chat_ok(with_messages(R"([{"role":"user","content":[]}])"));
  CHECK(empty.messages[0]["content"] == "");
}

TEST_CASE("chat messages: developer becomes system", "[openai]") {
  const auto r = chat_ok(with_messages(R"([{"role":"developer","content":"rules"},{"role":"user","content":"q"}])"));
  CHECK(r.messages[0] == Json::parse(R"({"role":"system","content":"rules"})"));
  CHECK(r.messages.dump() == R"([{"role":"system","content":"rules"},{"role":"user","content":"q"}])");
}

TEST_CASE("chat messages: assistant tool_calls and tool results are kept for the template", "[openai]") {
  const auto r = chat_ok(with_messages(R"([
      {"role":"user","content":"weather?"},
      {"role":"assistant","content":null,"tool_calls":[
        {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Oslo\", \"unit\": \"c\"}"}},
        {"id":"call_2","type":"function","function":{"name":"now","arguments":{"tz":"UTC"}}},
        {"id":"call_3","type":"function","function":{"name":"raw","arguments":"not json"}}]},
      {"role":"tool","tool_call_id":"call_1","name":"get_weather","content":"12C"}])"));
  // Arguments strings holding an object become the object, keys in the client's order.
  const Json expected = Json::parse(R"([
      {"role":"user","content":"weather?"},
      {"role":"assistant","content":"","tool_calls":[
        {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":{"city":"Oslo","unit":"c"}}},
        {"id":"call_2","type":"function","function":{"name":"now","arguments":{"tz":"UTC"}}},
        {"id":"call_3","type":"function","function":{"name":"raw","arguments":"not json"}}]},
      {"role":"tool","content":"12C","name":"get_weather","tool_call_id":"call_1"}])");
  CHECK(r.messages == expected);
  CHECK(r.messages.dump() == expected.dump());
}

TEST_CASE("chat messages: unknown message keys are dropped, reasoning_content kept", "[openai]") {
  const auto r = chat_ok(with_messages(
      R"([{"role":"user","content":"a","extra":1},{"role":"assistant","content":"b","reasoning_content":"think"}])"));
  CHECK(r.messages == Json::parse(
                          R"([{"role":"user","content":"a"},{"role":"assistant","content":"b","reasoning_content":"think"}])"));
}

TEST_CASE("chat messages: deeply nested arguments strings stay strings", "[openai]") {
  const std::string deep = std::string(1000, '[') + std::string(1000, ']');
  Json call = Json::parse(R"({"function":{"name":"f"}})");
  call["function"]["arguments"] = "{\"a\":" + deep + "}";
  Json messages = Json::array({Json{{"role", "assistant"}, {"tool_calls", Json::array({call})}}});
  const Json out = normalize_chat_messages(messages);
  CHECK(out[0]["tool_calls"][0]["function"]["arguments"].is_string());
}
