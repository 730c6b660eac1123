#pragma once
// TokenMaskCache: per grammar state, the part of the next-token mask that does not depend on the stack below
// it (the "context-independent" tokens of xgrammar's adaptive cache, computed our own way): a trie walk from
// the state alone, with the frames below replaced by a bottom marker, gives
//   - accepted: tokens whose bytes all stay inside the state's rule (accepted whatever lies below), and
//   - exit_nodes: trie nodes right after whose bytes the rule can end; only tokens at or below those nodes
//     need the real stack, which GrammarMatcher checks per step.
// Computed on first use (one walk of the trie, a few ms for 151k tokens) and kept for the grammar's lifetime;
// shared by every matcher of one (grammar, token index) pair. Thread-safe. Does not touch matcher state.
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine/structured/grammar.h"
#include "engine/structured/stack_walker.h"
#include "engine/structured/token_index.h"

namespace edgeserve::structured {

struct StateTokenMask {
  std::vector<uint64_t> accepted;   // [ceil(vocab_size / 64)] bit per token id
  std::vector<int32_t> exit_nodes;  // trie node indices, preorder
};

class TokenMaskCache {
 public:
  // Entries past `max_entries` (about vocab_size / 8 bytes each) are computed but not kept.
  TokenMaskCache(std::shared_ptr<const CompiledGrammar> grammar, std::shared_ptr<const TokenIndex> index,
                 size_t max_entries = 1024);

  const std::shared_ptr<const CompiledGrammar>& grammar() const { return grammar_; }
  const std::shared_ptr<const TokenIndex>& index() const { return index_; }

  // `state` must have byte edges (a stack top). `walker` is the caller's scratch over the same grammar; its
  // pool is restored to its size on entry.
  std::shared_ptr<const StateTokenMask> get(int32_t state, StackWalker& walker);
  size_t num_entries() const;

 private:
  std::shared_ptr<const StateTokenMask> compute(int32_t state, StackWalker& walker) const;

  std::shared_ptr<const CompiledGrammar> grammar_;
  std::shared_ptr<const TokenIndex> index_;
  size_t max_entries_;
  mutable std::mutex mutex_;
  std::unordered_map<int32_t, std::shared_ptr<const StateTokenMask>> entries_;
};

}  // namespace edgeserve::structured
