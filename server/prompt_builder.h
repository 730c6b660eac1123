#pragma once
// PromptBuilder: a chat request's messages -> prompt token ids through the model's own chat template
// (ARCHITECTURE step 2), and a completion prompt -> ids. User text is never parsed as special tokens: the
// template's own markup (<|im_start|>, ...) becomes special ids, while a special token's text written inside
// a message stays plain text. Without such text in the messages (the usual case) the ids are exactly
// Hugging Face's encode(apply_chat_template(...)). Thread-safe (const, borrows the model's tokenizer and
// template).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/template/chat_template.h"
#include "engine/tokenizer/tokenizer.h"

namespace edgeserve {

class PromptBuilder {
 public:
  PromptBuilder(const Tokenizer& tokenizer, const ChatTemplate* chat_template);

  bool has_chat_template() const { return template_ != nullptr; }

  // Renders and tokenizes. `template_kwargs` become template variables (enable_thinking, ...); `tools` is
  // null or the request's tool list. Throws TemplateError (the request's fault: a 400) when the template
  // refuses the messages, std::logic_error without a template.
  std::vector<int32_t> chat_prompt(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                                   const nlohmann::ordered_json& template_kwargs, bool add_generation_prompt) const;
  // The rendered text (what /tokenize shows and the tests compare).
  std::string render(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                     const nlohmann::ordered_json& template_kwargs, bool add_generation_prompt) const;
  // A completion prompt: plain text (no special tokens parsed), with the tokenizer's BOS when it adds one.
  std::vector<int32_t> text_prompt(const std::string& text, bool add_special_tokens = true) const;

 private:
  const Tokenizer& tokenizer_;
  const ChatTemplate* template_;
  std::vector<std::string> special_texts_;   // the written form of every special token
};

}  // namespace edgeserve
