// GrammarMatcher: stack-set bookkeeping, the per-step mask (cached context-independent part + real-stack walks
// below the exit nodes), token and byte acceptance.
#include "engine/structured/grammar_matcher.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace edgeserve::structured {
namespace {

void set_tokens(std::vector<uint64_t>& words, std::span<const int32_t> ids) {
  for (int32_t id : ids) words[static_cast<size_t>(id) / 64] |= 1ull << (id % 64);
}

// Below an exit node the real stacks decide: every reached node whose bytes some stack accepts (or that ends
// the document exactly) contributes its tokens.
struct ContextVisitor final : StackWalker::TrieVisitor {
  const TokenIndex* index;
  std::vector<uint64_t>* words;
  bool visit(int32_t trie_node, bool alive, bool completed) override {
    if (alive || completed) set_tokens(*words, index->tokens_at(trie_node));
    return true;
  }
};

}  // namespace

GrammarMatcher::GrammarMatcher(std::shared_ptr<const CompiledGrammar> grammar, std::shared_ptr<const TokenIndex> index,
                               std::vector<int32_t> stop_token_ids, std::shared_ptr<TokenMaskCache> cache)
    : grammar_(std::move(grammar)),
      index_(std::move(index)),
      cache_(std::move(cache)),
      stop_token_ids_(std::move(stop_token_ids)),
      walker_(*grammar_) {
  assert(grammar_ && index_);
  if (!cache_) cache_ = std::make_shared<TokenMaskCache>(grammar_, index_);
  assert(cache_->grammar() == grammar_ && cache_->index() == index_);
  words_.assign((static_cast<size_t>(index_->vocab_size()) + 63) / 64, 0);
  reset();
}

void GrammarMatcher::reset() {
  walker_.truncate_pool(0);
  next_tops_.clear();
  const bool completed = walker_.closure(walker_.push_node(grammar_->root_state(), -1), next_tops_, 0);
  store(next_tops_, completed);
  walker_.truncate_pool(0);
  terminated_ = false;
}

bool GrammarMatcher::is_stop_token(int32_t id) const {
  return std::find(stop_token_ids_.begin(), stop_token_ids_.end(), id) != stop_token_ids_.end();
}

int32_t GrammarMatcher::materialize() {
  const int32_t mark = walker_.pool_size();
  tops_.clear();
  for (size_t k = 0; k + 1 < stack_begin_.size(); ++k) {
    int32_t parent = -1;
    for (int32_t i = stack_begin_[k]; i < stack_begin_[k + 1]; ++i) parent = walker_.push_node(frames_[i], parent);
    tops_.push_back(parent);
  }
  return mark;
}

void GrammarMatcher::store(std::span<const int32_t> tops, bool completed) {
  new_frames_.clear();
  new_begin_.assign(1, 0);
  for (int32_t top : tops) {
    if (new_begin_.size() > kMaxParseStacks) break;
    const size_t begin = new_frames_.size();
    for (int32_t id = top; id >= 0; id = walker_.node(id).parent) new_frames_.push_back(walker_.node(id).state);
    std::reverse(new_frames_.begin() + static_cast<std::ptrdiff_t>(begin), new_frames_.end());
    const size_t length = new_frames_.size() - begin;
    bool duplicate = false;  // equal content reached along different paths (anyOf alternatives that re-merge)
    for (size_t k = 0; k + 1 < new_begin_.size() && !duplicate; ++k) {
      const size_t b = static_cast<size_t>(new_begin_[k]), e = static_cast<size_t>(new_begin_[k + 1]);
      duplicate = e - b == length && std::equal(new_frames_.begin() + b, new_frames_.begin() + e,
                                                new_frames_.begin() + static_cast<std::ptrdiff_t>(begin));
    }
    if (duplicate) new_frames_.resize(begin);
    else new_begin_.push_back(static_cast<int32_t>(new_frames_.size()));
  }
  frames_.swap(new_frames_);
  stack_begin_.swap(new_begin_);
  can_terminate_ = completed;
}

bool GrammarMatcher::advance_bytes(std::string_view bytes) {
  if (bytes.empty()) return true;
  const int32_t mark = materialize();
  bool completed = false;
  for (size_t i = 0; i < bytes.size(); ++i) {
    next_tops_.clear();
    completed = walker_.advance(tops_, static_cast<uint8_t>(bytes[i]), next_tops_);
    tops_.swap(next_tops_);
    if (tops_.empty() && (i + 1 < bytes.size() || !completed)) {
      walker_.truncate_pool(mark);
      return false;
    }
  }
  store(tops_, completed);
  walker_.truncate_pool(mark);
  return true;
}

bool GrammarMatcher::accept_token(int32_t token_id) {
  if (terminated_ || token_id < 0) return false;
  if (is_stop_token(token_id)) {
    if (!can_terminate_) return false;
    terminated_ = true;
    return true;
  }
  if (token_id >= index_->vocab_size() || !index_->is_indexed(token_id)) return false;
  return advance_bytes(index_->piece(token_id));
}

bool GrammarMatcher::accept_string(std::string_view bytes) {
  if (terminated_) return false;
  return advance_bytes(bytes);
}

void GrammarMatcher::fill_next_token_bitmask(sampler::TokenBitmask& mask) {
  assert(mask.vocab_size() >= index_->vocab_size());
  auto allow_stops = [&] {
    for (int32_t id : stop_token_ids_) {
      if (id >= 0 && id < mask.vocab_size()) mask.allow(id);
    }
  };
  if (terminated_) {
    mask.set_all(false);
    return allow_stops();
  }
  std::fill(words_.begin(), words_.end(), 0);
  const int32_t mark = materialize();
  ContextVisitor visitor;
  visitor.index = index_.get();
  visitor.words = &words_;
  for (size_t k = 0; k < tops_.size(); ++k) {
    const StackWalker::Node top = walker_.node(tops_[k]);
    if (top.height >= kMaxStackHeight / 2) {
      // Near the height limit the cached walk (made from a one-frame stack) could accept calls the real stack
      // may not make: walk the whole trie with the real stack instead, exact and rare.
      walker_.walk_trie(*index_, 0, std::span<const int32_t>(&tops_[k], 1), visitor);
      continue;
    }
    const std::shared_ptr<const StateTokenMask> entry = cache_->get(top.state, walker_);
    for (size_t w = 0; w < words_.size(); ++w) words_[w] |= entry->accepted[w];
    if (entry->exit_nodes.empty()) continue;
    if (top.parent < 0) {  // the rule's end is the document's end: tokens ending exactly there
      for (int32_t node : entry->exit_nodes) set_tokens(words_, index_->tokens_at(node));
      continue;
    }
    const int32_t before = walker_.pool_size();
    base_.clear();
    const bool completed = walker_.closure(top.parent, base_, 0);
    for (int32_t node : entry->exit_nodes) {
      if (completed || !base_.empty()) set_tokens(words_, index_->tokens_at(node));
      if (!base_.empty()) walker_.walk_trie(*index_, node, base_, visitor);
    }
    walker_.truncate_pool(before);
  }
  walker_.truncate_pool(mark);
  copy_to_bitmask(mask);
  if (can_terminate_) allow_stops();
}

void GrammarMatcher::copy_to_bitmask(sampler::TokenBitmask& mask) const {
  // TokenBitmask is set bit by bit: touch the smaller side (inside a string nearly every token is allowed).
  int64_t num_allowed = 0;
  for (uint64_t w : words_) num_allowed += std::popcount(w);
  const int32_t vocab_size = index_->vocab_size();
  if (num_allowed * 2 < vocab_size) {
    mask.set_all(false);
    for (size_t w = 0; w < words_.size(); ++w) {
      for (uint64_t bits = words_[w]; bits != 0; bits &= bits - 1) {
        mask.allow(static_cast<int32_t>(w * 64 + static_cast<size_t>(std::countr_zero(bits))));
      }
    }
    return;
  }
  mask.set_all(true);
  for (size_t w = 0; w < words_.size(); ++w) {
    for (uint64_t bits = ~words_[w]; bits != 0; bits &= bits - 1) {
      const int64_t id = static_cast<int64_t>(w * 64) + std::countr_zero(bits);
      if (id >= vocab_size) break;
      mask.disallow(static_cast<int32_t>(id));
    }
  }
  for (int64_t id = vocab_size; id < mask.vocab_size(); ++id) mask.disallow(static_cast<int32_t>(id));  // padding
}

std::string GrammarMatcher::forced_bytes(size_t max_bytes) {
  std::string forced;
  if (terminated_) return forced;
  const int32_t mark = materialize();
  bool completed = can_terminate_;
  while (forced.size() < max_bytes && !completed && !tops_.empty()) {
    ByteClass next;
    for (int32_t id : tops_) {
      for (const ByteEdge& edge : grammar_->byte_edges(walker_.node(id).state)) {
        for (int i = 0; i < 4; ++i) next.bits[i] |= edge.bytes.bits[i];
      }
    }
    int count = 0;
    for (uint64_t word : next.bits) count += std::popcount(word);
    if (count != 1) break;
    int byte = 0;
    while (!next.contains(static_cast<uint8_t>(byte))) ++byte;
    next_tops_.clear();
    completed = walker_.advance(tops_, static_cast<uint8_t>(byte), next_tops_);
    tops_.swap(next_tops_);
    forced += static_cast<char>(byte);
  }
  walker_.truncate_pool(mark);
  return forced;
}

}  // namespace edgeserve::structured
