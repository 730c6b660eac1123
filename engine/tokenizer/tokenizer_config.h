#pragma once
// Plain data around a tokenizer that other components read: the special-token strings and chat templates of
// tokenizer_config.json (or GGUF metadata). The chat-template engine renders these; the tokenizer only
// carries them.
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace edgeserve {

struct TokenizerConfig {
  std::optional<std::string> bos_token;  // e.g. "<|begin_of_text|>"; nullopt when the config sets none
  std::optional<std::string> eos_token;  // e.g. "<|im_end|>"
  std::optional<std::string> pad_token;
  std::optional<std::string> unk_token;
  std::optional<bool> add_bos_token;     // as written in tokenizer_config.json / GGUF, when present
  std::optional<bool> add_eos_token;
  // transformers' decode-time space clean-up (" ." -> "."); Tokenizer::decode never applies it (it matches
  // `tokenizers`), the flag is carried for a caller that wants transformers' output.
  std::optional<bool> clean_up_tokenization_spaces;
  // The default chat template: the string form, or the entry named "default" of the list form; "" when none.
  std::string chat_template;
  // Every template of the list form as {name, template}; empty for the string form.
  std::vector<std::pair<std::string, std::string>> named_chat_templates;
};

}  // namespace edgeserve
