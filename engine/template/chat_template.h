#pragma once
// ChatTemplate: a model's own chat template (Jinja source from tokenizer_config.json or GGUF metadata),
// parsed once and rendered per request exactly as transformers' apply_chat_template renders it with
// jinja2 (same environment, same preprocessing of messages). Rendering is const and thread-safe: each
// render has its own state. Must not tokenize or know about HTTP.
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/template/ast.h"
#include "engine/template/renderer.h"
#include "engine/template/template_error.h"

namespace edgeserve {

using tmpl::TemplateError;
using tmpl::TemplateSyntaxError;

struct ChatTemplateInputs {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();  // [{role, content, ...}, ...]
  nlohmann::ordered_json tools;                // null: no tools (the template sees None)
  nlohmann::ordered_json documents;            // null: no documents (the template sees None)
  bool add_generation_prompt = false;
  std::optional<std::string> bos_token;        // absent: undefined in the template
  std::optional<std::string> eos_token;
  nlohmann::ordered_json extra_kwargs = nlohmann::ordered_json::object();  // e.g. {"enable_thinking": false}
  tmpl::Clock clock;                           // for strftime_now; empty: the system clock
};

class ChatTemplate {
 public:
  // Throws TemplateSyntaxError ("<origin>:<line>:<column>: <fault>") when the source does not parse.
  static ChatTemplate parse(std::string source, std::string origin);

  // Throws TemplateError for render-time faults: raise_exception() in the template, undefined access,
  // type errors, or a resource limit.
  std::string render(const ChatTemplateInputs& inputs) const;

  const std::string& source() const { return *source_; }
  const std::string& origin() const { return origin_; }
  const tmpl::RenderLimits& limits() const { return limits_; }
  void set_limits(const tmpl::RenderLimits& limits) { limits_ = limits; }

  static constexpr size_t kMaxSourceBytes = 1u << 20;

 private:
  ChatTemplate() = default;
  std::shared_ptr<const std::string> source_;
  std::string origin_;
  std::shared_ptr<const tmpl::Body> body_;  // shared: copies of a ChatTemplate share one tree
  tmpl::RenderLimits limits_;
};

}  // namespace edgeserve
