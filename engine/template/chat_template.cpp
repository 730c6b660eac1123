// ChatTemplate: parsing, and the message preprocessing transformers does before rendering
// (tokenization_utils_base.apply_chat_template + chat_template_utils.render_jinja_template).
#include "engine/template/chat_template.h"

#include <vector>

#include "engine/template/globals.h"
#include "engine/template/parser.h"

namespace edgeserve {

using nlohmann::ordered_json;
using tmpl::Value;

ChatTemplate ChatTemplate::parse(std::string source, std::string origin) {
  if (source.size() > kMaxSourceBytes)
    throw TemplateSyntaxError(origin, 1, 1, "template source is " + std::to_string(source.size()) +
                                                " bytes, more than the limit of " + std::to_string(kMaxSourceBytes));
  ChatTemplate t;
  t.body_ = std::make_shared<const tmpl::Body>(tmpl::parse_template(source, origin));
  t.source_ = std::make_shared<const std::string>(std::move(source));
  t.origin_ = std::move(origin);
  return t;
}

namespace {

constexpr size_t kMaxInputDepth = 128;

// Checked without recursion before anything copies the inputs: copying or converting a JSON value
// recurses per level, so a hostile request nested thousands of levels deep would exhaust the stack.
void check_input_depth(const ordered_json& root, const char* what) {
  std::vector<std::pair<const ordered_json*, size_t>> stack{{&root, 0}};
  while (!stack.empty()) {
    const auto [node, depth] = stack.back();
    stack.pop_back();
    if (depth > kMaxInputDepth)
      throw TemplateError(std::string(what) + " nests deeper than " + std::to_string(kMaxInputDepth) + " levels");
    if (node->is_structured())
      for (const auto& child : *node) stack.emplace_back(&child, depth + 1);
  }
}

// _normalize_chat_messages drops None-valued keys; _alias_reasoning_fields copies the reasoning under
// "thinking" (first) and "reasoning_content" (in place, else last).
ordered_json preprocess_message(const ordered_json& message) {
  if (!message.is_object()) throw TemplateError("Chat messages should be dicts, but got " + message.dump() + ".");
  ordered_json out = ordered_json::object();
  for (const auto& [key, value] : message.items())
    if (!value.is_null()) out[key] = value;
  const ordered_json* reasoning = nullptr;
  for (const char* key : {"reasoning_content", "thinking", "reasoning"}) {
    const auto it = out.find(key);
    if (it != out.end()) {
      reasoning = &*it;
      break;
    }
  }
  if (reasoning == nullptr) return out;
  const ordered_json copy = *reasoning;
  ordered_json aliased = ordered_json::object();
  aliased["thinking"] = copy;
  for (const auto& [key, value] : out.items()) aliased[key] = key == "thinking" ? copy : value;
  aliased["reasoning_content"] = copy;
  return aliased;
}

}  // namespace

std::string ChatTemplate::render(const ChatTemplateInputs& inputs) const {
  if (!inputs.messages.is_array()) throw TemplateError("messages must be a list of message objects");
  if (inputs.messages.empty())
    throw TemplateError("Cannot apply chat template to an empty conversation. Provide at least one message.");
  if (!inputs.extra_kwargs.is_object()) throw TemplateError("chat template kwargs must be an object");
  check_input_depth(inputs.messages, "messages");
  check_input_depth(inputs.tools, "tools");
  check_input_depth(inputs.documents, "documents");
  check_input_depth(inputs.extra_kwargs, "chat template kwargs");

  auto globals = std::make_shared<tmpl::Scope>();
  tmpl::add_globals(*globals);
  auto context = std::make_shared<tmpl::Scope>(globals);

  ordered_json messages = ordered_json::array();
  for (const auto& m : inputs.messages) messages.push_back(preprocess_message(m));
  context->set("messages", tmpl::from_json(messages));
  context->set("tools", tmpl::from_json(inputs.tools));
  context->set("documents", tmpl::from_json(inputs.documents));
  context->set("add_generation_prompt", Value(inputs.add_generation_prompt));
  if (inputs.bos_token) context->set("bos_token", Value(*inputs.bos_token));
  if (inputs.eos_token) context->set("eos_token", Value(*inputs.eos_token));
  for (const auto& [key, value] : inputs.extra_kwargs.items()) {
    if (key == "messages" || key == "tools" || key == "documents" || key == "add_generation_prompt")
      throw TemplateError("chat template kwargs: got multiple values for argument '" + key + "'");
    context->set(key, tmpl::from_json(value));
  }

  tmpl::Renderer renderer(limits_, inputs.clock);
  return renderer.render(*body_, context);
}

}  // namespace edgeserve
