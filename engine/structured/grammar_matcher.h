#pragma once
// GrammarMatcher: one sequence's position in a compiled grammar. Per decode step the engine asks for the
// allowed-token mask (fill_next_token_bitmask), samples, then reports the token (accept_token). The position is
// the set of parse stacks that are still possible (several when anyOf alternatives share a prefix).
// Owns only this sequence's state and scratch; the grammar, token index and mask cache are shared read-only
// (the cache is internally synchronized). Not thread-safe itself: one matcher per sequence.
// No allocation per step once warm, except when a grammar state is reached for the first time (the cache
// computes its entry) or the stack set grows.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/sampler/token_bitmask.h"
#include "engine/structured/grammar.h"
#include "engine/structured/stack_walker.h"
#include "engine/structured/token_index.h"
#include "engine/structured/token_mask_cache.h"

namespace edgeserve::structured {

inline constexpr size_t kMaxParseStacks = 256;  // ambiguity bound: further stacks are dropped (a subset stays valid)

class GrammarMatcher {
 public:
  // `stop_token_ids` (eos, <|im_end|>, ...) are allowed exactly when the grammar can terminate. `cache`: share
  // one per (grammar, index) between sequences; nullptr makes a private one.
  GrammarMatcher(std::shared_ptr<const CompiledGrammar> grammar, std::shared_ptr<const TokenIndex> index,
                 std::vector<int32_t> stop_token_ids, std::shared_ptr<TokenMaskCache> cache = nullptr);

  // Sets exactly the tokens that may come next. mask.vocab_size() must be >= the index's vocab size (ids past
  // it, the model's padding, stay disallowed). After termination only the stop tokens are set.
  void fill_next_token_bitmask(sampler::TokenBitmask& mask);
  // Advances by one token. False, and no state change, when it is not allowed (or after termination).
  bool accept_token(int32_t token_id);
  // Advances by raw bytes (tests, forced prefixes). False, and no state change, when they do not fit.
  bool accept_string(std::string_view bytes);
  // The document is complete here: a stop token may be accepted.
  bool can_terminate() const { return can_terminate_; }
  // A stop token was accepted.
  bool is_terminated() const { return terminated_; }
  // The bytes every continuation must start with (at most `max_bytes`), e.g. the rest of a property name;
  // "" when the next byte is not forced. Does not change the state.
  std::string forced_bytes(size_t max_bytes = 256);
  // Back to the start of the grammar.
  void reset();

  size_t num_stacks() const { return stack_begin_.size() - 1; }

 private:
  // Puts every stack into the walker's pool; tops_ receives their top nodes. Returns the pool mark to restore.
  int32_t materialize();
  // Runs `bytes` from the current stacks; on success stores the new stacks and returns true.
  bool advance_bytes(std::string_view bytes);
  void store(std::span<const int32_t> tops, bool completed);
  bool is_stop_token(int32_t id) const;
  void copy_to_bitmask(sampler::TokenBitmask& mask) const;  // words_ -> mask (stop tokens not included)

  std::shared_ptr<const CompiledGrammar> grammar_;
  std::shared_ptr<const TokenIndex> index_;
  std::shared_ptr<TokenMaskCache> cache_;
  std::vector<int32_t> stop_token_ids_;
  StackWalker walker_;

  // The stacks, bottom frame first, concatenated: stack k is frames_[stack_begin_[k] .. stack_begin_[k + 1]).
  std::vector<int32_t> frames_;
  std::vector<int32_t> stack_begin_;
  bool can_terminate_ = false;
  bool terminated_ = false;

  // Scratch reused every step.
  std::vector<uint64_t> words_;  // [ceil(index vocab / 64)]
  std::vector<int32_t> tops_, next_tops_, base_, new_frames_, new_begin_;
};

}  // namespace edgeserve::structured
