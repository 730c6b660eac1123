#pragma once
// A compiled pre-tokenizer pattern (PCRE2, UTF + UCP, JIT when available). Owns the compiled code, shared by
// copies; each find_all call uses its own match data, so one Regex may serve many threads at once.
// Must not be given invalid UTF-8 (the tokenizer sanitizes its input first).
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgeserve::tokenizer {

class Regex {
 public:
  // Compiles a pattern written for Hugging Face tokenizers (Oniguruma syntax as used by tokenizer.json).
  // \s and \S are rewritten to the Unicode White_Space set, which is what Oniguruma matches (PCRE2's UCP \s
  // also matches U+180E). Throws TokenizerError naming `source` on a pattern PCRE2 rejects.
  Regex(std::string_view pattern, const std::string& source);

  // Byte ranges [begin, end) of every non-overlapping match, left to right. An empty match is skipped and the
  // search resumes one character later.
  void find_all(std::string_view text, std::vector<std::pair<size_t, size_t>>& matches) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Code;
  std::shared_ptr<const Code> code_;
  std::string pattern_;
};

// The pattern text rewritten for PCRE2 (exposed for tests).
std::string translate_hf_pattern(std::string_view pattern);

// `text` with every regex metacharacter escaped, for Split patterns given as {"String": ...}.
std::string escape_regex_literal(std::string_view text);

}  // namespace edgeserve::tokenizer
