// Chat message validation and normalization for the chat template (see chat_messages.h).
#include "server/openai/chat_messages.h"

#include <string>
#include <string_view>

#include "server/openai/api_error.h"
#include "server/openai/request_json.h"

namespace edgeserve::openai {

namespace {

using Json = nlohmann::ordered_json;
using detail::fail;
using detail::json_kind;

constexpr const char* kParam = "messages";

std::string where(size_t index) { return "messages[" + std::to_string(index) + "]"; }

// The role as the template sees it, or a 400 for anything else.
std::string normalize_role(const Json& message, const std::string& at) {
  const auto it = message.find("role");
  if (it == message.end() || it->is_null()) fail(at + ".role is missing", kParam);
  if (!it->is_string()) fail(at + ".role must be a string, got " + json_kind(*it), kParam);
  const std::string& role = it->get_ref<const std::string&>();
  if (role == "system" || role == "user" || role == "assistant" || role == "tool") return role;
  if (role == "developer") return "system";  // OpenAI's newer name for system; templates know only system
  fail(at + ".role " + quote_input(role) + " is not one of system, developer, user, assistant, tool", kParam);
}

// content: a string, or an array of {"type": "text", "text": ...} parts joined with "\n". Returns nullopt when
// absent or null (whether that is allowed depends on the role).
std::optional<std::string> normalize_content(const Json& message, const std::string& at) {
  const auto it = message.find("content");
  if (it == message.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (!it->is_array())
    fail(at + ".content must be a string or an array of content parts, got " + json_kind(*it), kParam);
  std::string text;
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& part = (*it)[i];
    const std::string part_at = at + ".content[" + std::to_string(i) + "]";
    if (!part.is_object()) fail(part_at + " must be an object, got " + json_kind(part), kParam);
    const auto type = part.find("type");
    if (type == part.end() || !type->is_string()) fail(part_at + ".type must be a string", kParam);
    if (type->get_ref<const std::string&>() != "text")
      fail("this model accepts text only; " + part_at + " has type " +
               quote_input(type->get_ref<const std::string&>()),
           kParam);
    const auto part_text = part.find("text");
    if (part_text == part.end() || !part_text->is_string())
      fail(part_at + ".text must be a string", kParam);
    if (i > 0) text += '\n';
    text += part_text->get_ref<const std::string&>();
  }
  return text;
}

// One entry of an assistant's tool_calls, checked and with JSON-object arguments parsed.
Json normalize_tool_call(const Json& call, const std::string& at) {
  if (!call.is_object()) fail(at + " must be an object, got " + json_kind(call), kParam);
  Json out = Json::object();
  if (const auto id = call.find("id"); id != call.end() && !id->is_null()) {
    if (!id->is_string()) fail(at + ".id must be a string, got " + json_kind(*id), kParam);
    out["id"] = *id;
  }
  if (const auto type = call.find("type"); type != call.end() && !type->is_null()) {
    if (!type->is_string() || type->get_ref<const std::string&>() != "function")
      fail(at + ".type must be \"function\"", kParam);
  }
  out["type"] = "function";
  const auto function = call.find("function");
  if (function == call.end() || !function->is_object()) fail(at + ".function must be an object", kParam);
  const auto name = function->find("name");
  if (name == function->end() || !name->is_string()) fail(at + ".function.name must be a string", kParam);
  Json out_function = Json::object();
  out_function["name"] = *name;
  const auto arguments = function->find("arguments");
  if (arguments == function->end() || arguments->is_null()) {
    out_function["arguments"] = Json::object();
  } else if (arguments->is_object()) {
    out_function["arguments"] = *arguments;
  } else if (arguments->is_string()) {
    // The string is parsed under the same depth bound as the body; too deep or not an object, it stays text.
    const std::string& text = arguments->get_ref<const std::string&>();
    Json parsed = detail::is_nested_too_deep(text) ? Json() : Json::parse(text, nullptr, /*allow_exceptions=*/false);
    out_function["arguments"] = parsed.is_object() ? std::move(parsed) : *arguments;
  } else {
    fail(at + ".function.arguments must be a string or an object, got " + json_kind(*arguments), kParam);
  }
  out["function"] = std::move(out_function);
  return out;
}

Json normalize_message(const Json& message, size_t index) {
  const std::string at = where(index);
  if (!message.is_object()) fail(at + " must be an object, got " + json_kind(message), kParam);
  const std::string role = normalize_role(message, at);
  std::optional<std::string> content = normalize_content(message, at);

  Json out = Json::object();
  out["role"] = role;
  out["content"] = "";  // filled below; keeps "content" second

  if (const auto name = message.find("name"); name != message.end() && !name->is_null()) {
    if (!name->is_string()) fail(at + ".name must be a string, got " + json_kind(*name), kParam);
    out["name"] = *name;
  }

  if (role == "assistant") {
    Json tool_calls = Json::array();
    if (const auto calls = message.find("tool_calls"); calls != message.end() && !calls->is_null()) {
      if (!calls->is_array()) fail(at + ".tool_calls must be an array, got " + json_kind(*calls), kParam);
      for (size_t i = 0; i < calls->size(); ++i)
        tool_calls.push_back(normalize_tool_call((*calls)[i], at + ".tool_calls[" + std::to_string(i) + "]"));
    }
    if (!content && tool_calls.empty()) fail(at + " (assistant) needs content or tool_calls", kParam);
    if (!tool_calls.empty()) out["tool_calls"] = std::move(tool_calls);
    if (const auto reasoning = message.find("reasoning_content");
        reasoning != message.end() && reasoning->is_string())
      out["reasoning_content"] = *reasoning;
  } else if (!content) {
    fail(at + " (" + role + ") needs content", kParam);
  }

  if (role == "tool") {
    const auto id = message.find("tool_call_id");
    if (id == message.end() || id->is_null()) fail(at + " (tool) needs tool_call_id", kParam);
    if (!id->is_string()) fail(at + ".tool_call_id must be a string, got " + json_kind(*id), kParam);
    out["tool_call_id"] = *id;
  }

  out["content"] = content.value_or("");
  return out;
}

}  // namespace

Json normalize_chat_messages(const Json& messages) {
  if (messages.is_null()) fail("messages is missing; expected an array of messages", kParam);
  if (!messages.is_array()) fail(std::string("messages must be an array, got ") + json_kind(messages), kParam);
  if (messages.empty()) fail("messages must contain at least one message", kParam);
  Json out = Json::array();
  for (size_t i = 0; i < messages.size(); ++i) out.push_back(normalize_message(messages[i], i));
  return out;
}

}  // namespace edgeserve::openai
