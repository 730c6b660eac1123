#include "server/prompt_builder.h"

#include <stdexcept>

namespace edgeserve {
namespace {

// Private-use code points mark where a special token's text was inside a message: U+E000 <index> U+E001.
std::string placeholder(size_t index) { return "\xEE\x80\x80" + std::to_string(index) + "\xEE\x80\x81"; }

}  // namespace

PromptBuilder::PromptBuilder(const Tokenizer& tokenizer, const ChatTemplate* chat_template)
    : tokenizer_(tokenizer), template_(chat_template) {
  for (int32_t id : tokenizer.special_token_ids()) {
    const std::string& text = tokenizer.token_to_piece(id);
    if (!text.empty()) special_texts_.push_back(text);
  }
}

std::string PromptBuilder::render(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                                  const nlohmann::ordered_json& template_kwargs, bool add_generation_prompt) const {
  if (template_ == nullptr) throw std::logic_error("the model has no chat template");
  ChatTemplateInputs inputs;
  inputs.messages = messages;
  inputs.tools = tools;
  inputs.add_generation_prompt = add_generation_prompt;
  inputs.bos_token = tokenizer_.config().bos_token;
  inputs.eos_token = tokenizer_.config().eos_token;
  if (template_kwargs.is_object()) inputs.extra_kwargs = template_kwargs;
  return template_->render(inputs);
}

std::vector<int32_t> PromptBuilder::chat_prompt(const nlohmann::ordered_json& messages,
                                                const nlohmann::ordered_json& tools,
                                                const nlohmann::ordered_json& template_kwargs,
                                                bool add_generation_prompt) const {
  // Replace special-token text inside string contents by placeholders, remembering the originals.
  std::vector<std::string> originals;
  nlohmann::ordered_json safe = messages;
  for (auto& m : safe) {
    if (!m.is_object() || !m.contains("content") || !m["content"].is_string()) continue;
    std::string content = m["content"].get<std::string>();
    std::string out;
    for (size_t pos = 0; pos < content.size();) {
      size_t best = std::string::npos, best_len = 0;
      for (const auto& s : special_texts_) {
        const size_t at = content.find(s, pos);
        if (at < best || (at == best && s.size() > best_len)) best = at, best_len = s.size();
      }
      if (best == std::string::npos) {
        out.append(content, pos);
        break;
      }
      out.append(content, pos, best - pos);
      out += placeholder(originals.size());
      originals.push_back(content.substr(best, best_len));
      pos = best + best_len;
    }
    m["content"] = out;
  }
  const std::string rendered = render(safe, tools, template_kwargs, add_generation_prompt);
  if (originals.empty()) return tokenizer_.encode(rendered, /*parse_special=*/true, /*add_special_tokens=*/false);

  // Template text with its special tokens parsed; each placeholder's original as plain text.
  std::vector<int32_t> ids;
  size_t pos = 0;
  for (size_t i = 0; i < originals.size(); ++i) {
    const std::string mark = placeholder(i);
    const size_t at = rendered.find(mark, pos);
    if (at == std::string::npos) continue;   // the template dropped that part of the message
    const auto head = tokenizer_.encode(rendered.substr(pos, at - pos), true, false);
    ids.insert(ids.end(), head.begin(), head.end());
    const auto text = tokenizer_.encode(originals[i], /*parse_special=*/false, false);
    ids.insert(ids.end(), text.begin(), text.end());
    pos = at + mark.size();
  }
  const auto tail = tokenizer_.encode(rendered.substr(pos), true, false);
  ids.insert(ids.end(), tail.begin(), tail.end());
  return ids;
}

std::vector<int32_t> PromptBuilder::text_prompt(const std::string& text, bool add_special_tokens) const {
  return tokenizer_.encode(text, /*parse_special=*/false, add_special_tokens);
}

}  // namespace edgeserve
