#pragma once
// Building a tokenizer from the plain vocabulary data a GGUF file carries (tokenizer.ggml.*). The GGUF
// reader fills TokenizerData; this file maps it to the same pipeline Hugging Face uses for that model family
// (the `pre` name picks the pre-tokenizer and normalizer). Does not read files.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/tokenizer/tokenizer.h"

namespace edgeserve {

// GGUF token types (llama.cpp's llama_token_type).
enum class GgufTokenType : int32_t { kUndefined = 0, kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4,
                                     kUnused = 5, kByte = 6 };

struct TokenizerData {
  std::string model = "gpt2";           // tokenizer.ggml.model; only "gpt2" (byte-level BPE) is supported
  std::string pre;                      // tokenizer.ggml.pre: "qwen2", "llama-bpe", "smollm", "gpt-2", ...
  std::vector<std::string> tokens;      // tokenizer.ggml.tokens, index = id, byte-level form ("Ġthe")
  std::vector<std::string> merges;      // tokenizer.ggml.merges, "left right", in rank order
  std::vector<int32_t> token_types;     // tokenizer.ggml.token_type: empty, or one per token
  std::optional<int32_t> bos_id;        // tokenizer.ggml.bos_token_id
  std::optional<int32_t> eos_id;        // tokenizer.ggml.eos_token_id
  bool add_bos = false;                 // tokenizer.ggml.add_bos_token
  bool add_eos = false;                 // tokenizer.ggml.add_eos_token
  std::string chat_template;            // tokenizer.chat_template
};

// CONTROL tokens become special added tokens, USER_DEFINED tokens non-special added tokens (matched in text
// like Qwen's <think>). add_bos / add_eos become the post-processor. Throws TokenizerError naming `source` on
// an unsupported model or pre name, or inconsistent data.
Tokenizer tokenizer_from_data(TokenizerData data, const std::string& source);

}  // namespace edgeserve
