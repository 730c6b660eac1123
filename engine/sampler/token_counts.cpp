// TokenCounts: an open-addressing (linear probing) index over a dense entry list.
#include "engine/sampler/token_counts.h"

#include <cassert>

namespace edgeserve::sampler {

void TokenCounts::reserve(int64_t num_distinct_tokens) {
  assert(num_distinct_tokens >= 0);
  entries_.reserve(static_cast<size_t>(num_distinct_tokens));
  int64_t num_slots = 16;
  while (num_slots < 2 * num_distinct_tokens) num_slots *= 2;
  if (num_slots > static_cast<int64_t>(slots_.size())) rehash(num_slots);
}

int64_t TokenCounts::find(int32_t token_id) const {
  if (slots_.empty()) return -1;
  for (size_t slot = slot_of(token_id);; slot = (slot + 1) & (slots_.size() - 1)) {
    const int32_t index = slots_[slot];
    if (index == kEmptySlot) return -1;
    if (entries_[static_cast<size_t>(index)].token_id == token_id) return index;
  }
}

uint32_t TokenCounts::prompt_count(int32_t token_id) const {
  const int64_t index = find(token_id);
  return index < 0 ? 0 : entries_[static_cast<size_t>(index)].prompt_count;
}

uint32_t TokenCounts::output_count(int32_t token_id) const {
  const int64_t index = find(token_id);
  return index < 0 ? 0 : entries_[static_cast<size_t>(index)].output_count;
}

TokenCounts::Entry& TokenCounts::find_or_insert(int32_t token_id) {
  // Keep the load factor <= 1/2 so that probes stay short.
  if (2 * (entries_.size() + 1) > slots_.size()) rehash(slots_.empty() ? 16 : 2 * static_cast<int64_t>(slots_.size()));
  size_t slot = slot_of(token_id);
  for (;; slot = (slot + 1) & (slots_.size() - 1)) {
    const int32_t index = slots_[slot];
    if (index == kEmptySlot) break;
    if (entries_[static_cast<size_t>(index)].token_id == token_id) return entries_[static_cast<size_t>(index)];
  }
  slots_[slot] = static_cast<int32_t>(entries_.size());
  entries_.push_back(Entry{token_id, 0, 0});
  return entries_.back();
}

void TokenCounts::rehash(int64_t num_slots) {
  slots_.assign(static_cast<size_t>(num_slots), kEmptySlot);
  for (size_t index = 0; index < entries_.size(); ++index) {
    size_t slot = slot_of(entries_[index].token_id);
    while (slots_[slot] != kEmptySlot) slot = (slot + 1) & (slots_.size() - 1);
    slots_[slot] = static_cast<int32_t>(index);
  }
}

}  // namespace edgeserve::sampler
