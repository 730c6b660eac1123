// StackWalker: closure, byte steps and the pruned trie walk (see stack_walker.h).
#include "engine/structured/stack_walker.h"

#include <cassert>

namespace edgeserve::structured {

bool StackWalker::contains(const std::vector<int32_t>& list, size_t begin, int32_t state, int32_t parent) const {
  for (size_t i = begin; i < list.size(); ++i) {
    const Node& n = pool_[list[i]];
    if (n.state == state && n.parent == parent) return true;
  }
  return false;
}

bool StackWalker::closure(int32_t start, std::vector<int32_t>& out, size_t out_begin) {
  const CompiledGrammar& g = *grammar_;
  bool completed = false;
  work_.assign(1, start);
  visited_.clear();
  int32_t steps = 0;
  while (!work_.empty() && ++steps < kMaxClosureSteps) {
    const int32_t id = work_.back();
    work_.pop_back();
    const Node n = pool_[id];
    if (contains(visited_, 0, n.state, n.parent)) continue;
    visited_.push_back(id);
    if (!g.byte_edges(n.state).empty() && !contains(out, out_begin, n.state, n.parent)) out.push_back(id);
    for (int32_t target : g.epsilon_edges(n.state)) work_.push_back(push_node(target, n.parent));
    for (const CallEdge& call : g.call_edges(n.state)) {
      if (n.height >= kMaxStackHeight) break;
      const int32_t below = g.is_tail(call.return_state) ? n.parent : push_node(call.return_state, n.parent);
      work_.push_back(push_node(call.rule_start, below));
    }
    if (g.is_final(n.state)) {
      if (n.parent < 0) completed = true;
      else work_.push_back(n.parent);
    }
  }
  return completed;
}

bool StackWalker::advance(std::span<const int32_t> active, uint8_t byte, std::vector<int32_t>& out) {
  const size_t out_begin = out.size();
  bool completed = false;
  for (int32_t id : active) {
    const Node n = pool_[id];
    for (const ByteEdge& edge : grammar_->byte_edges(n.state)) {
      if (!edge.bytes.contains(byte)) continue;
      completed |= closure(push_node(edge.target, n.parent), out, out_begin);
    }
  }
  return completed;
}

void StackWalker::walk_trie(const TokenIndex& index, int32_t trie_root, std::span<const int32_t> active,
                            TrieVisitor& visitor) {
  const int32_t root_depth = index.node(trie_root).depth;
  // Level k holds the stacks after the first k bytes below trie_root: level_active_[level_begin_[k] ..
  // level_begin_[k + 1]); pool_mark_[k] is the pool size when level k was complete.
  level_active_.assign(active.begin(), active.end());
  level_begin_.assign({0, static_cast<int32_t>(level_active_.size())});
  pool_mark_.assign(1, pool_size());
  const int32_t end = index.node(trie_root).subtree_end;
  int32_t i = trie_root + 1;
  while (i < end) {
    const TokenIndex::Node& tn = index.node(i);
    const int32_t level = tn.depth - root_depth;  // >= 1
    // Back up to the parent level: its stacks stay, everything deeper is dropped.
    level_begin_.resize(static_cast<size_t>(level) + 1);
    level_active_.resize(static_cast<size_t>(level_begin_[level]));
    pool_mark_.resize(static_cast<size_t>(level));
    truncate_pool(pool_mark_.back());
    const int32_t parent_begin = level_begin_[level - 1], parent_end = level_begin_[level];
    const size_t before = level_active_.size();
    // The parent level is read by index: closure() appends to the same vector and may move it.
    bool completed = false;
    for (int32_t k = parent_begin; k < parent_end; ++k) {
      const Node n = pool_[level_active_[k]];
      for (const ByteEdge& edge : grammar_->byte_edges(n.state)) {
        if (!edge.bytes.contains(tn.byte)) continue;
        completed |= closure(push_node(edge.target, n.parent), level_active_, before);
      }
    }
    const bool alive = level_active_.size() > before;
    const bool descend = visitor.visit(i, alive, completed) && alive;
    if (descend) {
      pool_mark_.push_back(pool_size());
      level_begin_.push_back(static_cast<int32_t>(level_active_.size()));
      ++i;
    } else {
      i = tn.subtree_end;
    }
  }
  truncate_pool(pool_mark_.front());
}

}  // namespace edgeserve::structured
