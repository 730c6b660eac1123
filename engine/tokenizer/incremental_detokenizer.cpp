#include "engine/tokenizer/incremental_detokenizer.h"

#include "engine/util/utf8.h"

namespace edgeserve {

std::string IncrementalDetokenizer::add(int32_t id) {
  if (skip_special_tokens_ && tokenizer_->is_special(id)) return {};
  pending_ += tokenizer_->token_to_piece(id);
  // The held suffix always starts with a lead byte, which no earlier invalid subpart can include, so
  // sanitizing the prefix alone gives the same replacements as sanitizing the whole text at the end.
  const size_t keep = utf8::incomplete_suffix_length(pending_);
  const size_t ready = pending_.size() - keep;
  std::string out = utf8::sanitize(std::string_view(pending_).substr(0, ready));
  pending_.erase(0, ready);
  return out;
}

std::string IncrementalDetokenizer::flush() {
  std::string out = utf8::sanitize(pending_);
  pending_.clear();
  return out;
}

}  // namespace edgeserve
