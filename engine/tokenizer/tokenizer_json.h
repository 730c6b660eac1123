#pragma once
// Loading a tokenizer from Hugging Face files: tokenizer.json (model BPE, added_tokens, normalizer,
// pre_tokenizer, post_processor, decoder) and tokenizer_config.json (bos/eos strings, chat templates).
// Owns only the translation from JSON to TokenizerSpec; every fault names the file and the component.
#include <string>
#include <string_view>

#include "engine/tokenizer/tokenizer.h"

namespace edgeserve {

// tokenizer.json text -> spec; `source` names it in errors (a path, or "<string>").
TokenizerSpec parse_tokenizer_json(std::string_view json_text, const std::string& source);

// tokenizer_config.json text -> the strings we expose. Unknown fields are ignored.
TokenizerConfig parse_tokenizer_config(std::string_view json_text, const std::string& source);

// Builds a Tokenizer from tokenizer.json text (and an optional config), resolving bos/eos ids from the
// config's token strings.
Tokenizer tokenizer_from_json(std::string_view json_text, const std::string& source, TokenizerConfig config = {});

// A Hugging Face model folder (tokenizer.json + optional tokenizer_config.json) or a tokenizer.json path (its
// folder's tokenizer_config.json is read when present). Throws TokenizerError naming the file on any fault.
Tokenizer load_tokenizer(const std::string& hf_folder_or_tokenizer_json);

}  // namespace edgeserve
