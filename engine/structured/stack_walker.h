#pragma once
// StackWalker: the pushdown runtime of a CompiledGrammar. A parse position is a stack of grammar states (the
// top is where input continues, the frames below are return states), kept as nodes {state, parent} in a pool
// that grows during a walk and is cut back as the walk backtracks, so nothing is allocated per byte once warm.
// closure() expands epsilon edges, calls (pushes) and rule ends (pops) until every stack's top state waits for
// a byte; parent -1 is the bottom: popping into it means the outermost rule ended ("completed").
// walk_trie() runs a set of stacks against a TokenIndex subtree, pruning every prefix no stack accepts.
// Scratch state only: one walker per thread; it never owns the grammar or the index.
#include <cstdint>
#include <span>
#include <vector>

#include "engine/structured/grammar.h"
#include "engine/structured/token_index.h"

namespace edgeserve::structured {

inline constexpr int32_t kMaxStackHeight = 256;   // deeper nesting is not generated
inline constexpr int32_t kMaxClosureSteps = 8192;  // guard against runaway expansion (never hit by the compiler's grammars)

class StackWalker {
 public:
  struct Node {
    int32_t state;
    int32_t parent;  // -1: bottom
    int32_t height;  // frames from the bottom, this one included
  };

  explicit StackWalker(const CompiledGrammar& grammar) : grammar_(&grammar) {}

  const CompiledGrammar& grammar() const { return *grammar_; }
  const Node& node(int32_t id) const { return pool_[id]; }
  int32_t pool_size() const { return static_cast<int32_t>(pool_.size()); }
  void truncate_pool(int32_t size) { pool_.resize(static_cast<size_t>(size)); }
  int32_t push_node(int32_t state, int32_t parent) {
    pool_.push_back({state, parent, parent < 0 ? 1 : pool_[parent].height + 1});
    return pool_size() - 1;
  }

  // Appends to `out` the stacks reachable from `start` without input whose top waits for a byte (no duplicate
  // of a stack already in out[out_begin..]). Returns true when the bottom was popped (the root rule ended).
  bool closure(int32_t start, std::vector<int32_t>& out, size_t out_begin);
  // Consumes `byte` on every stack of `active` and appends the closed results to `out`. Returns "completed".
  bool advance(std::span<const int32_t> active, uint8_t byte, std::vector<int32_t>& out);

  // What a trie walk reports. Called for each trie node reached; `alive`: some stack continues after its
  // bytes (its tokens are accepted); `completed`: the bottom was popped right after them.
  // Returns false to skip the node's subtree.
  struct TrieVisitor {
    virtual ~TrieVisitor() = default;
    virtual bool visit(int32_t trie_node, bool alive, bool completed) = 0;
  };
  // Walks the strict descendants of `trie_root` starting from the stacks `active` (positioned after the bytes
  // of trie_root). Descends only below nodes with live stacks.
  void walk_trie(const TokenIndex& index, int32_t trie_root, std::span<const int32_t> active, TrieVisitor& visitor);

 private:
  bool contains(const std::vector<int32_t>& list, size_t begin, int32_t state, int32_t parent) const;

  const CompiledGrammar* grammar_;
  std::vector<Node> pool_;
  std::vector<int32_t> work_, visited_;
  std::vector<int32_t> level_active_;            // the active stacks of every level of a trie walk, concatenated
  std::vector<int32_t> level_begin_, pool_mark_;  // [depth + 1] per level of the current walk path
};

}  // namespace edgeserve::structured
