#pragma once
// StopStringMatcher: OpenAI `stop` strings over a stream of text deltas. Text that might still turn out to be
// the start of a stop string is held back; when a stop string appears, the text before it is released and
// everything from it on is dropped (OpenAI and vLLM leave the stop string out of the output). Owns the
// held-back text only. Stop strings are valid UTF-8, so a held-back suffix always starts on a character
// boundary and released text never splits a character.
#include <string>
#include <string_view>
#include <vector>

namespace edgeserve {

class StopStringMatcher {
 public:
  explicit StopStringMatcher(std::vector<std::string> stop_strings);

  // Appends generated text; returns the text that can be sent now. After a match, stopped() is true and
  // every later call returns "".
  std::string add(std::string_view text);
  // The generation ended without a match: releases the held-back text.
  std::string flush();
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  size_t max_stop_len_ = 0;
  std::string pending_;
  bool stopped_ = false;
};

}  // namespace edgeserve
