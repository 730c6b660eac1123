// Random-word prompts: see prompt_generator.h. The per-request stream is seeded from a SplitMix64 mix of
// (seed, index) so that neighbouring indexes do not give correlated mt19937_64 states.
#include "server/bench/prompt_generator.h"

#include <array>
#include <random>
#include <string_view>

namespace edgeserve::bench {
namespace {

// Frequent English words, each a single token with its leading space in GPT-2/Llama-3/Qwen vocabularies.
constexpr std::array<std::string_view, 160> kWords = {
    "the",    "of",     "and",   "to",     "in",    "is",     "you",    "that",  "it",     "he",
    "was",    "for",    "on",    "are",    "as",    "with",   "his",    "they",  "at",     "be",
    "this",   "have",   "from",  "or",     "one",   "had",    "by",     "word",  "but",    "not",
    "what",   "all",    "were",  "we",     "when",  "your",   "can",    "said",  "there",  "use",
    "an",     "each",   "which", "she",    "do",    "how",    "their",  "if",    "will",   "up",
    "other",  "about",  "out",   "many",   "then",  "them",   "these",  "so",    "some",   "her",
    "would",  "make",   "like",  "him",    "into",  "time",   "has",    "look",  "two",    "more",
    "write",  "go",     "see",   "number", "no",    "way",    "could",  "people", "my",    "than",
    "first",  "water",  "been",  "call",   "who",   "oil",    "its",    "now",   "find",   "long",
    "down",   "day",    "did",   "get",    "come",  "made",   "may",    "part",  "over",   "new",
    "sound",  "take",   "only",  "little", "work",  "know",   "place",  "year",  "live",   "me",
    "back",   "give",   "most",  "very",   "after", "thing",  "our",    "just",  "name",   "good",
    "man",    "think",  "say",   "great",  "where", "help",   "through", "much", "before", "line",
    "right",  "too",    "mean",  "old",    "any",   "same",   "tell",   "boy",   "follow", "came",
    "want",   "show",   "also",  "around", "form",  "three",  "small",  "set",   "put",    "end",
    "does",   "another", "well", "large",  "must",  "big",    "even",   "such",  "because", "turn",
};

uint64_t split_mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

size_t prompt_vocabulary_size() { return kWords.size(); }

std::string make_prompt(uint64_t seed, uint64_t request_index, int64_t num_words) {
  std::mt19937_64 rng(split_mix64(seed ^ split_mix64(request_index)));
  std::string prompt;
  for (int64_t i = 0; i < num_words; ++i) {
    if (i > 0) prompt.push_back(' ');
    // The modulo bias of 2^64 mod 160 is below 1e-17: irrelevant for a word mix.
    prompt.append(kWords[rng() % kWords.size()]);
  }
  return prompt;
}

}  // namespace edgeserve::bench
