#pragma once
// Streaming ids -> text for one sequence: each add() returns the text that is now final, never half a UTF-8
// character. Bytes that may still become a character are held back; bytes that can no longer complete one
// become U+FFFD, exactly where Tokenizer::decode puts them, so the concatenation of all deltas plus flush()
// equals decode(all ids). Owns only its pending bytes; borrows the Tokenizer, which must outlive it.
#include <cstdint>
#include <string>

#include "engine/tokenizer/tokenizer.h"

namespace edgeserve {

class IncrementalDetokenizer {
 public:
  IncrementalDetokenizer(const Tokenizer& tokenizer, bool skip_special_tokens)
      : tokenizer_(&tokenizer), skip_special_tokens_(skip_special_tokens) {}

  // Appends one token and returns the newly final text (often "", e.g. inside an emoji's bytes).
  std::string add(int32_t id);

  // Returns whatever is held back (an unfinished character becomes U+FFFD) and resets.
  std::string flush();

  // Bytes held back, waiting for the rest of a character (0..3).
  size_t num_pending_bytes() const { return pending_.size(); }

 private:
  const Tokenizer* tokenizer_;
  bool skip_special_tokens_;
  std::string pending_;
};

}  // namespace edgeserve
