#include "engine/tokenizer/pre_tokenizer.h"

#include <cassert>

#include "engine/tokenizer/unicode_props.h"
#include "engine/util/utf8.h"

namespace edgeserve::tokenizer {
namespace {

struct Part {
  size_t begin, end;
  bool is_match;
};

// Applies a SplitDelimiterBehavior to the alternating match / non-match parts of one piece. As in Hugging Face,
// a match merges into a neighbouring part only when that part is not a match itself.
void apply_behavior(std::string_view piece, const std::vector<Part>& parts, SplitBehavior behavior,
                    std::vector<std::string>& out) {
  const auto text_of = [&](const Part& part) { return piece.substr(part.begin, part.end - part.begin); };
  if (behavior == SplitBehavior::kMergedWithNext) {
    // Hugging Face walks this one from the end: a match joins the part after it unless that part is a match.
    std::vector<std::string> reversed;
    bool next_is_match = false;
    bool has_next = false;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
      if (it->is_match && has_next && !next_is_match) reversed.back().insert(0, text_of(*it));
      else reversed.emplace_back(text_of(*it));
      has_next = true;
      next_is_match = it->is_match;
    }
    out.insert(out.end(), std::make_move_iterator(reversed.rbegin()), std::make_move_iterator(reversed.rend()));
    return;
  }
  bool has_previous = false;
  bool previous_is_match = false;
  for (const Part& part : parts) {
    const std::string_view text = text_of(part);
    switch (behavior) {
      case SplitBehavior::kRemoved:
        if (!part.is_match) out.emplace_back(text);
        break;
      case SplitBehavior::kIsolated:
      case SplitBehavior::kMergedWithNext:  // handled above
        out.emplace_back(text);
        break;
      case SplitBehavior::kMergedWithPrevious:
        if (part.is_match && has_previous && !previous_is_match) out.back() += text;
        else out.emplace_back(text);
        break;
      case SplitBehavior::kContiguous:
        if (part.is_match && has_previous && previous_is_match) out.back() += text;
        else out.emplace_back(text);
        break;
    }
    has_previous = true;
    previous_is_match = part.is_match;
  }
}

// Match / non-match parts covering `piece`, from match ranges; `invert` swaps the roles.
void parts_from_matches(std::string_view piece, const std::vector<std::pair<size_t, size_t>>& matches, bool invert,
                        std::vector<Part>& parts) {
  parts.clear();
  size_t cursor = 0;
  for (const auto& [begin, end] : matches) {
    if (begin > cursor) parts.push_back({cursor, begin, invert});
    parts.push_back({begin, end, !invert});
    cursor = end;
  }
  if (cursor < piece.size()) parts.push_back({cursor, piece.size(), invert});
}

// Ranges of numeric characters (Rust's char::is_numeric, as Hugging Face's Digits uses): each alone, or
// maximal runs.
void digit_matches(std::string_view piece, bool individual, std::vector<std::pair<size_t, size_t>>& matches) {
  matches.clear();
  for (size_t i = 0; i < piece.size();) {
    char32_t cp = 0;
    size_t len = 1;
    if (!utf8::decode(piece, i, cp, len)) {  // unreachable for sanitized input
      cp = 0;
      len = 1;
    }
    if (is_numeric(cp)) {
      if (!individual && !matches.empty() && matches.back().second == i) matches.back().second = i + len;
      else matches.emplace_back(i, i + len);
    }
    i += len;
  }
}

}  // namespace

void PreTokenizer::split(std::string_view text, std::vector<std::string>& pieces) const {
  std::vector<std::string> current;
  current.emplace_back(text);
  std::vector<std::string> next;
  std::vector<std::pair<size_t, size_t>> matches;
  std::vector<Part> parts;
  for (const PreTokenizerStep& step : steps_) {
    next.clear();
    for (std::string& piece : current) {
      switch (step.kind) {
        case PreTokenizerStep::Kind::kSplit:
          assert(step.regex.size() == 1);
          step.regex.front().find_all(piece, matches);
          parts_from_matches(piece, matches, step.invert, parts);
          apply_behavior(piece, parts, step.behavior, next);
          break;
        case PreTokenizerStep::Kind::kDigits:
          digit_matches(piece, step.individual_digits, matches);
          parts_from_matches(piece, matches, false, parts);
          apply_behavior(piece, parts, SplitBehavior::kIsolated, next);
          break;
        case PreTokenizerStep::Kind::kByteLevel:
          // Hugging Face prepends the space to every piece that does not start with one.
          if (step.add_prefix_space && !piece.starts_with(' ')) piece.insert(piece.begin(), ' ');
          if (step.use_regex) {
            assert(step.regex.size() == 1);
            step.regex.front().find_all(piece, matches);
            parts_from_matches(piece, matches, false, parts);
            apply_behavior(piece, parts, SplitBehavior::kIsolated, next);
          } else {
            next.push_back(std::move(piece));
          }
          break;
      }
    }
    current.swap(next);
  }
  for (std::string& piece : current)
    if (!piece.empty()) pieces.push_back(std::move(piece));
}

}  // namespace edgeserve::tokenizer
