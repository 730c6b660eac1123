// TokenMaskCache: the context-independent trie walk per grammar state, computed once and shared.
#include "engine/structured/token_mask_cache.h"

#include <cassert>

namespace edgeserve::structured {
namespace {

struct IndependentVisitor final : StackWalker::TrieVisitor {
  const TokenIndex* index;
  StateTokenMask* out;
  bool visit(int32_t trie_node, bool alive, bool completed) override {
    if (alive) {
      for (int32_t id : index->tokens_at(trie_node)) out->accepted[static_cast<size_t>(id) / 64] |= 1ull << (id % 64);
    }
    if (completed) out->exit_nodes.push_back(trie_node);
    return true;
  }
};

}  // namespace

TokenMaskCache::TokenMaskCache(std::shared_ptr<const CompiledGrammar> grammar, std::shared_ptr<const TokenIndex> index,
                               size_t max_entries)
    : grammar_(std::move(grammar)), index_(std::move(index)), max_entries_(max_entries) {
  assert(grammar_ && index_);
}

size_t TokenMaskCache::num_entries() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::shared_ptr<const StateTokenMask> TokenMaskCache::get(int32_t state, StackWalker& walker) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = entries_.find(state); it != entries_.end()) return it->second;
  }
  auto computed = compute(state, walker);  // outside the lock: other sequences keep going meanwhile
  std::lock_guard lock(mutex_);
  if (auto it = entries_.find(state); it != entries_.end()) return it->second;
  if (entries_.size() < max_entries_) entries_.emplace(state, computed);
  return computed;
}

std::shared_ptr<const StateTokenMask> TokenMaskCache::compute(int32_t state, StackWalker& walker) const {
  assert(&walker.grammar() == grammar_.get());
  auto mask = std::make_shared<StateTokenMask>();
  mask->accepted.assign((static_cast<size_t>(index_->vocab_size()) + 63) / 64, 0);
  const int32_t mark = walker.pool_size();
  const int32_t top = walker.push_node(state, -1);
  IndependentVisitor visitor;
  visitor.index = index_.get();
  visitor.out = mask.get();
  const int32_t active[] = {top};
  walker.walk_trie(*index_, 0, active, visitor);
  walker.truncate_pool(mark);
  return mask;
}

}  // namespace edgeserve::structured
