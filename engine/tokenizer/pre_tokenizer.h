#pragma once
// The pre-tokenizers of tokenizer.json that byte-level BPE vocabularies use: Split (regex or literal, every
// SplitDelimiterBehavior, invert), Digits, and ByteLevel (optional prefix space, optional GPT-2 regex). A
// Sequence is a list of steps, each applied to every piece the previous one produced, as Hugging Face does.
// Owns the steps; does not byte-map pieces (the BPE model works on raw bytes).
#include <string>
#include <string_view>
#include <vector>

#include "engine/tokenizer/regex.h"

namespace edgeserve::tokenizer {

// How the matched part of a split is kept (Hugging Face's SplitDelimiterBehavior).
enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// The GPT-2 pattern that ByteLevel{use_regex: true} applies.
inline constexpr std::string_view kGpt2Pattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

struct PreTokenizerStep {
  enum class Kind { kSplit, kDigits, kByteLevel };
  Kind kind = Kind::kSplit;
  // kSplit: pattern, behavior, invert. kByteLevel with use_regex: the GPT-2 pattern, Isolated.
  std::vector<Regex> regex;  // empty or one element (Regex has no default constructor)
  SplitBehavior behavior = SplitBehavior::kIsolated;
  bool invert = false;
  bool individual_digits = false;  // kDigits
  bool add_prefix_space = false;   // kByteLevel
  bool use_regex = false;          // kByteLevel
};

class PreTokenizer {
 public:
  PreTokenizer() = default;
  explicit PreTokenizer(std::vector<PreTokenizerStep> steps) : steps_(std::move(steps)) {}

  // Splits `text` into pieces (raw UTF-8 bytes), appending to `pieces`; empty pieces are dropped.
  // Precondition: `text` is valid UTF-8.
  void split(std::string_view text, std::vector<std::string>& pieces) const;

  bool empty() const { return steps_.empty(); }

 private:
  std::vector<PreTokenizerStep> steps_;
};

}  // namespace edgeserve::tokenizer
