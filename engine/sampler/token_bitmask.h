#pragma once
// TokenBitmask: the set of tokens allowed at one step, one bit per vocabulary id (bit set = allowed). The
// structured-output layer fills it; the sampler applies it before sampling. Owns only the bits.
#include <algorithm>
#include <cassert>
#include <cstdint>
#include <span>
#include <vector>

namespace edgeserve::sampler {

class TokenBitmask {
 public:
  // [ceil(vocab_size / 64)] words, every token allowed (or none).
  explicit TokenBitmask(int64_t vocab_size, bool all_allowed = true)
      : vocab_size_(vocab_size), words_(static_cast<size_t>((vocab_size + 63) / 64), all_allowed ? ~0ull : 0ull) {
    assert(vocab_size > 0);
  }

  void allow(int32_t token_id) { words_[word_of(token_id)] |= bit_of(token_id); }
  void disallow(int32_t token_id) { words_[word_of(token_id)] &= ~bit_of(token_id); }
  void set_all(bool allowed) { std::fill(words_.begin(), words_.end(), allowed ? ~0ull : 0ull); }
  bool is_allowed(int32_t token_id) const { return (words_[word_of(token_id)] & bit_of(token_id)) != 0; }

  int64_t vocab_size() const { return vocab_size_; }
  std::span<const uint64_t> words() const { return words_; }

 private:
  size_t word_of(int32_t token_id) const {
    assert(token_id >= 0 && token_id < vocab_size_);
    return static_cast<size_t>(token_id) / 64;
  }
  static uint64_t bit_of(int32_t token_id) { return 1ull << (static_cast<uint32_t>(token_id) % 64); }

  int64_t vocab_size_;
  std::vector<uint64_t> words_;
};

}  // namespace edgeserve::sampler
