#pragma once
// TokenCounts: how often each token occurs in one sequence's prompt and output, stored sparsely (only tokens
// that occur) so that penalties cost O(distinct tokens) per step and nothing O(vocab) is allocated per
// sequence. Updated incrementally, one token at a time; entries are contiguous for the penalty loop.
// Must not know about logits or sampling parameters.
#include <cstdint>
#include <span>
#include <vector>

namespace edgeserve::sampler {

class TokenCounts {
 public:
  struct Entry {
    int32_t token_id;
    uint32_t prompt_count;   // occurrences in the prompt
    uint32_t output_count;   // occurrences in the generated output
  };

  TokenCounts() = default;

  // Room for `num_distinct_tokens` entries without rehashing (an allocation here, none per step later).
  void reserve(int64_t num_distinct_tokens);

  void add_prompt_token(int32_t token_id) { find_or_insert(token_id).prompt_count += 1; }
  void add_output_token(int32_t token_id) { find_or_insert(token_id).output_count += 1; }

  // Every token seen, in first-seen order.
  std::span<const Entry> entries() const { return entries_; }

  uint32_t prompt_count(int32_t token_id) const;
  uint32_t output_count(int32_t token_id) const;

 private:
  static constexpr int32_t kEmptySlot = -1;
  Entry& find_or_insert(int32_t token_id);
  int64_t find(int32_t token_id) const;  // index into entries_, or -1
  void rehash(int64_t num_slots);
  size_t slot_of(int32_t token_id) const {
    // Fibonacci hashing of the id onto the power-of-two table.
    return static_cast<size_t>((static_cast<uint32_t>(token_id) * 0x9E3779B1u)) & (slots_.size() - 1);
  }

  std::vector<Entry> entries_;
  std::vector<int32_t> slots_;  // [power of two >= 2 * entries_.size()], index into entries_ or kEmptySlot
};

}  // namespace edgeserve::sampler
