#include "engine/tokenizer/added_vocabulary.h"

#include <algorithm>

#include "engine/tokenizer/tokenizer_error.h"
#include "engine/tokenizer/unicode_props.h"
#include "engine/util/utf8.h"

namespace edgeserve::tokenizer {
namespace {

// The code point that ends text[0, end), or 0 when there is none.
char32_t last_char(std::string_view text, size_t end) {
  if (end == 0) return 0;
  size_t start = end - 1;
  while (start > 0 && (static_cast<uint8_t>(text[start]) & 0xC0) == 0x80 && end - start < 4) --start;
  char32_t cp = 0;
  size_t len = 0;
  return utf8::decode(text, start, cp, len) && start + len == end ? cp : 0;
}

char32_t first_char(std::string_view text, size_t begin) {
  char32_t cp = 0;
  size_t len = 0;
  return begin < text.size() && utf8::decode(text, begin, cp, len) ? cp : 0;
}

// Start of the whitespace run that ends at `end`.
size_t whitespace_run_start(std::string_view text, size_t end) {
  while (end > 0) {
    const char32_t cp = last_char(text, end);
    if (!is_whitespace(cp)) break;
    std::string encoded;
    utf8::append(encoded, cp);
    end -= encoded.size();
  }
  return end;
}

// End of the whitespace run that starts at `begin`.
size_t whitespace_run_end(std::string_view text, size_t begin) {
  while (begin < text.size()) {
    char32_t cp = 0;
    size_t len = 0;
    if (!utf8::decode(text, begin, cp, len) || !is_whitespace(cp)) break;
    begin += len;
  }
  return begin;
}

}  // namespace

void AddedVocabulary::Trie::insert(std::string_view content, int32_t token) {
  int32_t node = 0;
  for (const char c : content) {
    const auto byte = static_cast<uint8_t>(c);
    int32_t next = child(node, byte);
    if (next < 0) {
      next = static_cast<int32_t>(nodes.size());
      nodes.emplace_back();
      auto& children = nodes[node].children;
      children.insert(std::lower_bound(children.begin(), children.end(), std::make_pair(byte, int32_t{-1})),
                      {byte, next});
    }
    node = next;
  }
  first_byte[static_cast<uint8_t>(content.front())] = true;
  if (nodes[node].token < 0) nodes[node].token = token;  // the same content twice: the first one wins
}

int32_t AddedVocabulary::Trie::child(int32_t node, uint8_t byte) const {
  const auto& children = nodes[node].children;
  const auto it = std::lower_bound(children.begin(), children.end(), std::make_pair(byte, int32_t{-1}));
  return it != children.end() && it->first == byte ? it->second : -1;
}

int32_t AddedVocabulary::Trie::longest_match(std::string_view text, size_t pos, size_t& length) const {
  int32_t best = -1;
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    node = child(node, static_cast<uint8_t>(text[i]));
    if (node < 0) break;
    if (nodes[node].token >= 0) {
      best = nodes[node].token;
      length = i + 1 - pos;
    }
  }
  return best;
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const std::string& source) : tokens_(std::move(tokens)) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& t = tokens_[i];
    if (t.content.empty())
      throw TokenizerError(source + ": added_tokens: token id " + std::to_string(t.id) + " has empty content");
    if (!utf8::is_valid(t.content))
      throw TokenizerError(source + ": added_tokens: token id " + std::to_string(t.id) + " is not valid UTF-8");
    if (!by_id_.emplace(t.id, i).second)
      throw TokenizerError(source + ": added_tokens: id " + std::to_string(t.id) + " appears twice");
    by_content_.emplace(t.content, i);
    (t.normalized ? normalized_trie_ : raw_trie_).insert(t.content, static_cast<int32_t>(i));
    has_normalized_ = has_normalized_ || t.normalized;
  }
}

const AddedToken* AddedVocabulary::find_by_id(int32_t id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

const AddedToken* AddedVocabulary::find_by_content(std::string_view content) const {
  const auto it = by_content_.find(std::string(content));
  return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

void AddedVocabulary::split(std::string_view text, bool normalized_pass, bool parse_special,
                            std::vector<TextSegment>& out) const {
  const Trie& trie = normalized_pass ? normalized_trie_ : raw_trie_;
  size_t emitted = 0;  // everything before this offset is already in `out`
  size_t pos = 0;
  while (pos < text.size()) {
    size_t length = 0;
    const int32_t index = trie.first_byte[static_cast<uint8_t>(text[pos])] ? trie.longest_match(text, pos, length) : -1;
    if (index < 0) {
      ++pos;
      continue;
    }
    const AddedToken& token = tokens_[index];
    size_t start = pos, stop = pos + length;
    pos = stop;  // the next search resumes after this match, used or not (non-overlapping leftmost-longest)
    if (token.special && !parse_special) continue;
    if (token.single_word &&
        (is_word_char(last_char(text, start)) || is_word_char(first_char(text, stop))))
      continue;
    if (start < emitted) continue;  // inside the whitespace an earlier rstrip swallowed
    if (token.lstrip) start = std::max(whitespace_run_start(text, start), emitted);
    if (token.rstrip) stop = whitespace_run_end(text, stop);
    if (start > emitted) out.push_back({emitted, start, -1});
    out.push_back({start, stop, token.id});
    emitted = stop;
    pos = std::max(pos, stop);
  }
  if (emitted < text.size()) out.push_back({emitted, text.size(), -1});
}

}  // namespace edgeserve::tokenizer
