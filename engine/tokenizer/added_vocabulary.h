#pragma once
// Added tokens (tokenizer.json "added_tokens", GGUF CONTROL / USER_DEFINED tokens): finding them in text
// before the BPE model runs, with Hugging Face's rules (leftmost-longest match; single_word, lstrip, rstrip;
// tokens with normalized=false are matched in the raw text, those with normalized=true in normalized text).
// Owns the token list and its match tries; does not tokenize the text between matches.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace edgeserve::tokenizer {

struct AddedToken {
  int32_t id = -1;
  std::string content;
  bool special = false;      // skipped by decode(skip_special_tokens) and by parse_special == false
  bool lstrip = false;       // the match swallows whitespace on its left
  bool rstrip = false;       // the match swallows whitespace on its right
  bool single_word = false;  // only matched when not inside a word
  bool normalized = false;   // matched against normalized text rather than the raw input
};

// A piece of the input: an added token (id >= 0) or text to tokenize (id == -1), bytes [begin, end).
struct TextSegment {
  size_t begin;
  size_t end;
  int32_t id;
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // Throws TokenizerError naming `source` on an empty content or a duplicate id.
  AddedVocabulary(std::vector<AddedToken> tokens, const std::string& source);

  // Splits `text` at the matches of the tokens whose `normalized` flag equals `normalized_pass`. Special
  // tokens are matched only when `parse_special`; as in Hugging Face, an unmatched special token's text still
  // hides shorter tokens that overlap it. Precondition: `text` is valid UTF-8.
  void split(std::string_view text, bool normalized_pass, bool parse_special, std::vector<TextSegment>& out) const;

  const AddedToken* find_by_id(int32_t id) const;
  const AddedToken* find_by_content(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }
  bool has_normalized_tokens() const { return has_normalized_; }

 private:
  struct TrieNode {
    std::vector<std::pair<uint8_t, int32_t>> children;  // byte -> node index, sorted by byte
    int32_t token = -1;                                 // index into tokens_ when a content ends here
  };
  struct Trie {
    std::vector<TrieNode> nodes{TrieNode{}};
    bool first_byte[256] = {};
    void insert(std::string_view content, int32_t token);
    int32_t child(int32_t node, uint8_t byte) const;
    // Longest content starting at text[pos]: token index and its length, or -1.
    int32_t longest_match(std::string_view text, size_t pos, size_t& length) const;
  };

  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> by_id_;
  std::unordered_map<std::string, size_t> by_content_;
  Trie raw_trie_, normalized_trie_;
  bool has_normalized_ = false;
};

}  // namespace edgeserve::tokenizer
