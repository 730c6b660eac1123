#include "engine/tokenizer/tokenizer.h"

#include "engine/tokenizer/byte_level.h"
#include "engine/util/utf8.h"

namespace edgeserve {
namespace {

// The bytes Hugging Face's ByteLevel decoder makes of one token string: stand-in characters mapped back to
// bytes when every character is in the alphabet, else the string's own UTF-8 bytes.
std::string piece_of(const std::string& token) {
  std::string bytes;
  if (tokenizer::byte_level_decode(token, bytes)) return bytes;
  return token;
}

// Hugging Face keeps a normalized added token in its normalized form: that is what it matches in normalized
// text and what decode gives back.
std::vector<tokenizer::AddedToken> normalize_contents(std::vector<tokenizer::AddedToken> tokens,
                                                      const tokenizer::Normalizer& normalizer) {
  for (auto& token : tokens)
    if (token.normalized && utf8::is_valid(token.content)) token.content = normalizer.apply(token.content);
  return tokens;
}

}  // namespace

Tokenizer::Tokenizer(TokenizerSpec spec)
    : source_(std::move(spec.source)),
      model_(std::move(spec.bpe), source_),
      added_(normalize_contents(std::move(spec.added_tokens), spec.normalizer), source_),
      normalizer_(std::move(spec.normalizer)),
      pre_tokenizer_(std::move(spec.pre_tokenizer)),
      prefix_ids_(std::move(spec.prefix_ids)),
      suffix_ids_(std::move(spec.suffix_ids)),
      bos_id_(spec.bos_id),
      eos_id_(spec.eos_id),
      config_(std::move(spec.config)) {
  // Added tokens usually follow the vocabulary; an id far beyond it would size the id tables from an
  // unchecked number in the file.
  const int64_t max_end = int64_t{model_.id_end()} + static_cast<int64_t>(added_.tokens().size()) + (int64_t{1} << 20);
  int32_t end = model_.id_end();
  for (const auto& token : added_.tokens()) {
    if (token.id < 0 || token.id >= max_end)
      throw TokenizerError(source_ + ": added_tokens: token '" + token.content + "' has out-of-range id " +
                           std::to_string(token.id));
    end = std::max(end, token.id + 1);
  }
  pieces_.resize(static_cast<size_t>(end));
  special_.assign(static_cast<size_t>(end), false);
  for (int32_t id = 0; id < model_.id_end(); ++id)
    if (const std::string* token = model_.token(id)) pieces_[id] = piece_of(*token);
  for (const auto& token : added_.tokens()) {
    pieces_[token.id] = piece_of(token.content);
    if (token.special) {
      special_[token.id] = true;
      special_ids_.push_back(token.id);
    }
  }
  const auto check_id = [&](int32_t id, const char* what) {
    if (id < 0 || id >= end || (model_.token(id) == nullptr && added_.find_by_id(id) == nullptr))
      throw TokenizerError(source_ + ": " + what + ": id " + std::to_string(id) + " is not in the vocabulary");
  };
  for (const int32_t id : prefix_ids_) check_id(id, "post_processor");
  for (const int32_t id : suffix_ids_) check_id(id, "post_processor");
  if (bos_id_) check_id(*bos_id_, "bos token");
  if (eos_id_) check_id(*eos_id_, "eos token");
}

bool Tokenizer::is_special(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < special_.size() && special_[id];
}

const std::string& Tokenizer::token_to_piece(int32_t id) const {
  static const std::string kEmpty;
  if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) return kEmpty;
  return pieces_[id];
}

std::optional<int32_t> Tokenizer::token_id(std::string_view token) const {
  if (const auto* added = added_.find_by_content(token)) return added->id;
  return model_.token_id(token);
}

void Tokenizer::encode_text(std::string_view text, bool parse_special, std::vector<int32_t>& ids) const {
  const std::string normalized = normalizer_.apply(text);
  std::vector<tokenizer::TextSegment> segments;
  if (added_.has_normalized_tokens()) added_.split(normalized, /*normalized_pass=*/true, parse_special, segments);
  else segments.push_back({0, normalized.size(), -1});
  std::vector<std::string> words;
  for (const auto& segment : segments) {
    if (segment.id >= 0) {
      ids.push_back(segment.id);
      continue;
    }
    words.clear();
    pre_tokenizer_.split(std::string_view(normalized).substr(segment.begin, segment.end - segment.begin), words);
    for (const std::string& word : words) model_.encode_word(word, ids);
  }
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool parse_special, bool add_special_tokens) const {
  std::string sanitized;
  if (!utf8::is_valid(text)) {
    sanitized = utf8::sanitize(text);
    text = sanitized;
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 8);
  if (add_special_tokens) ids.insert(ids.end(), prefix_ids_.begin(), prefix_ids_.end());
  std::vector<tokenizer::TextSegment> segments;
  added_.split(text, /*normalized_pass=*/false, parse_special, segments);
  for (const auto& segment : segments) {
    if (segment.id >= 0) ids.push_back(segment.id);
    else encode_text(text.substr(segment.begin, segment.end - segment.begin), parse_special, ids);
  }
  if (add_special_tokens) ids.insert(ids.end(), suffix_ids_.begin(), suffix_ids_.end());
  return ids;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  std::string bytes;
  for (const int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) continue;
    if (skip_special_tokens && special_[id]) continue;
    bytes += pieces_[id];
  }
  return utf8::is_valid(bytes) ? bytes : utf8::sanitize(bytes);
}

}  // namespace edgeserve
