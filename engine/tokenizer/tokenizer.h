#pragma once
// The byte-level BPE tokenizer: text -> ids and ids -> text exactly as Hugging Face `tokenizers` does it for
// Qwen2.5/Qwen3, Llama-3.x and SmolLM2 vocabularies. Owns the vocabulary and the pipeline
// (added tokens -> normalizer -> pre-tokenizer -> BPE -> post-processor). Built by load_tokenizer()
// (tokenizer.json) or tokenizer_from_data() (GGUF vocabularies); does not read files itself.
// Thread-safe after construction: every method is const and keeps no shared scratch state.
//
// Which Hugging Face call each mode equals (tokenizers 0.23):
//   encode(text, /*parse_special=*/true,  add)  ==  tok.encode(text, add_special_tokens=add).ids
//   encode(text, /*parse_special=*/false, add)  ==  tok.encode_special_tokens = True; tok.encode(text, add).ids
//     (transformers' split_special_tokens=True). Only tokens marked special become plain text; added tokens
//     that are not special (Qwen's <think>, <tool_call>) are still matched, as in Hugging Face.
//   decode(ids, skip)                           ==  tok.decode(ids, skip_special_tokens=skip)
//     (the `tokenizers` decode: no clean_up_tokenization_spaces, which is a transformers-side option).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tokenizer/added_vocabulary.h"
#include "engine/tokenizer/bpe_model.h"
#include "engine/tokenizer/normalizer.h"
#include "engine/tokenizer/pre_tokenizer.h"
#include "engine/tokenizer/tokenizer_config.h"
#include "engine/tokenizer/tokenizer_error.h"

namespace edgeserve {

// Everything a tokenizer is made of, assembled by a loader.
struct TokenizerSpec {
  std::string source;  // file or description used in error messages
  tokenizer::BpeConfig bpe;
  std::vector<tokenizer::AddedToken> added_tokens;
  tokenizer::Normalizer normalizer;
  tokenizer::PreTokenizer pre_tokenizer;
  std::vector<int32_t> prefix_ids;  // post-processor: ids put before the text when add_special_tokens
  std::vector<int32_t> suffix_ids;  // ... and after it
  TokenizerConfig config;
  std::optional<int32_t> bos_id;  // resolved by the loader (config string or GGUF id)
  std::optional<int32_t> eos_id;
};

class Tokenizer {
 public:
  // Throws TokenizerError naming spec.source and the component on an inconsistent spec.
  explicit Tokenizer(TokenizerSpec spec);
  Tokenizer(Tokenizer&&) noexcept = default;
  Tokenizer& operator=(Tokenizer&&) noexcept = default;
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Text to ids. `parse_special`: special tokens written in the text become their ids (false: they are
  // tokenized as plain text). `add_special_tokens`: the post-processor's tokens (Llama-3's <|begin_of_text|>)
  // are added. Invalid UTF-8 in `text` is first replaced by U+FFFD (Hugging Face only accepts valid strings).
  // Throws TokenizerError only if PCRE2 gives up on a pre-tokenizer pattern (its match limit), which the
  // shipped patterns do not reach even on 1 MB inputs.
  std::vector<int32_t> encode(std::string_view text, bool parse_special, bool add_special_tokens = false) const;

  // Ids to text: the pieces' bytes joined, invalid UTF-8 replaced by U+FFFD. Unknown ids are skipped.
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const;

  // The raw bytes a token stands for (may be part of a UTF-8 character); "" for an unknown id.
  const std::string& token_to_piece(int32_t id) const;
  // Vocabulary lookup by the token's written form: an added token's content ("<think>") or a vocabulary entry
  // as in tokenizer.json ("Ġthe").
  std::optional<int32_t> token_id(std::string_view token) const;

  int32_t vocab_size() const { return static_cast<int32_t>(pieces_.size()); }  // largest id + 1
  bool is_special(int32_t id) const;
  const std::vector<int32_t>& special_token_ids() const { return special_ids_; }
  std::optional<int32_t> bos_id() const { return bos_id_; }
  std::optional<int32_t> eos_id() const { return eos_id_; }
  const TokenizerConfig& config() const { return config_; }
  const std::string& source() const { return source_; }

 private:
  void encode_text(std::string_view text, bool parse_special, std::vector<int32_t>& ids) const;

  std::string source_;
  tokenizer::BpeModel model_;
  tokenizer::AddedVocabulary added_;
  tokenizer::Normalizer normalizer_;
  tokenizer::PreTokenizer pre_tokenizer_;
  std::vector<int32_t> prefix_ids_, suffix_ids_;
  std::vector<std::string> pieces_;  // [vocab_size] raw bytes of each id, "" for gaps
  std::vector<bool> special_;        // [vocab_size]
  std::vector<int32_t> special_ids_;
  std::optional<int32_t> bos_id_, eos_id_;
  TokenizerConfig config_;
};

}  // namespace edgeserve
