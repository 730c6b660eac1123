#pragma once
// Open-addressing hash table from a (left id, right id) pair to its merge (rank, merged id). The merge
// lookup is the hot loop of BPE; a flat power-of-two table with a multiplicative hash costs about one cache
// miss, against several pointer hops for std::unordered_map. Read-only after construction.
#include <cstdint>
#include <vector>

namespace edgeserve::tokenizer {

class MergeTable {
 public:
  struct Merge {
    int32_t rank;
    int32_t new_id;
  };

  MergeTable() = default;
  // Sized for `num_merges` entries at a load factor of at most 1/2.
  explicit MergeTable(size_t num_merges) {
    size_t capacity = 16;
    while (capacity < 2 * num_merges) capacity *= 2;
    slots_.assign(capacity, Slot{kEmpty, {0, 0}});
    shift_ = 64;
    for (size_t c = capacity; c > 1; c /= 2) --shift_;
  }

  // Inserts or overwrites (a repeated pair keeps its later rank, as Hugging Face's map construction does).
  void insert(int32_t left, int32_t right, Merge merge) {
    const uint64_t key = pair_key(left, right);
    for (size_t i = index_of(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == kEmpty || slots_[i].key == key) {
        slots_[i] = Slot{key, merge};
        return;
      }
    }
  }

  const Merge* find(int32_t left, int32_t right) const {
    const uint64_t key = pair_key(left, right);
    for (size_t i = index_of(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].key == key) return &slots_[i].merge;
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};  // ids are non-negative, so no real pair has this key
  struct Slot {
    uint64_t key;
    Merge merge;
  };
  static uint64_t pair_key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }
  size_t index_of(uint64_t key) const { return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_); }

  std::vector<Slot> slots_{Slot{kEmpty, {0, 0}}};  // one empty slot so find() on a default table terminates
  int shift_ = 64;
};

}  // namespace edgeserve::tokenizer
