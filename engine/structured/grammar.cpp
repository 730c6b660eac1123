// GrammarBuilder: growth of the state tables under a hard cap, left-recursion detection, and packing into the
// flat CompiledGrammar tables.
#include "engine/structured/grammar.h"

#include <cassert>
#include <stdexcept>

namespace edgeserve::structured {

size_t CompiledGrammar::memory_bytes() const {
  return final_.size() + (byte_begin_.size() + eps_begin_.size() + call_begin_.size()) * sizeof(int32_t) +
         byte_edges_.size() * sizeof(ByteEdge) + eps_edges_.size() * sizeof(int32_t) +
         call_edges_.size() * sizeof(CallEdge);
}

int32_t GrammarBuilder::new_state() {
  if (num_states() >= max_states_) {
    throw std::length_error("grammar exceeds " + std::to_string(max_states_) + " states");
  }
  states_.emplace_back();
  return num_states() - 1;
}

void GrammarBuilder::add_bytes(int32_t from, const ByteClass& bytes, int32_t to) {
  assert(from >= 0 && from < num_states() && to >= 0 && to < num_states());
  for (ByteEdge& edge : states_[from].bytes) {
    if (edge.target == to) {  // one edge per target keeps the per-byte scan short
      for (int i = 0; i < 4; ++i) edge.bytes.bits[i] |= bytes.bits[i];
      return;
    }
  }
  states_[from].bytes.push_back({bytes, to});
}

void GrammarBuilder::add_epsilon(int32_t from, int32_t to) {
  assert(from >= 0 && from < num_states() && to >= 0 && to < num_states());
  if (from != to) states_[from].eps.push_back(to);
}

void GrammarBuilder::add_call(int32_t from, int32_t rule_start, int32_t return_state) {
  assert(from >= 0 && from < num_states() && return_state >= 0 && return_state < num_states());
  assert(rule_start >= 0 && rule_start < num_states());
  states_[from].calls.push_back({rule_start, return_state});
}

void GrammarBuilder::set_final(int32_t state) { states_[state].final = true; }

int32_t GrammarBuilder::add_literal(int32_t from, std::string_view text) {
  int32_t state = from;
  for (char c : text) {
    const int32_t next = new_state();
    add_bytes(state, ByteClass::of(static_cast<uint8_t>(c)), next);
    state = next;
  }
  return state;
}

void GrammarBuilder::add_literal_to(int32_t from, std::string_view text, int32_t to) {
  if (text.empty()) {
    add_epsilon(from, to);
    return;
  }
  const int32_t before_last = add_literal(from, text.substr(0, text.size() - 1));
  add_bytes(before_last, ByteClass::of(static_cast<uint8_t>(text.back())), to);
}

int32_t GrammarBuilder::find_left_recursion() const {
  // Rule A "left-calls" B when B is called from a state reachable from A's start by epsilon edges only (every
  // rule the compiler makes consumes at least one byte, so a call is never skipped without input). A cycle in
  // that relation is a rule that can call itself forever without progress.
  const int32_t n = num_states();
  std::vector<std::vector<int32_t>> left_calls(n);
  std::vector<uint8_t> is_start(n, 0);
  for (const State& s : states_) {
    for (const CallEdge& c : s.calls) is_start[c.rule_start] = 1;
  }
  std::vector<int32_t> seen(n, -1), work;
  for (int32_t start = 0; start < n; ++start) {
    if (!is_start[start]) continue;
    work.assign(1, start);
    seen[start] = start;
    while (!work.empty()) {
      const int32_t s = work.back();
      work.pop_back();
      for (const CallEdge& c : states_[s].calls) left_calls[start].push_back(c.rule_start);
      for (int32_t t : states_[s].eps) {
        if (seen[t] != start) { seen[t] = start; work.push_back(t); }
      }
    }
  }
  // Iterative three-colour depth-first search for a cycle.
  std::vector<uint8_t> colour(n, 0);  // 0 new, 1 on the path, 2 done
  std::vector<std::pair<int32_t, size_t>> path;
  for (int32_t root = 0; root < n; ++root) {
    if (!is_start[root] || colour[root] != 0) continue;
    path.push_back({root, 0});
    colour[root] = 1;
    while (!path.empty()) {
      auto& [node, next] = path.back();
      if (next < left_calls[node].size()) {
        const int32_t callee = left_calls[node][next++];
        if (colour[callee] == 1) return callee;
        if (colour[callee] == 0) { colour[callee] = 1; path.push_back({callee, 0}); }
      } else {
        colour[node] = 2;
        path.pop_back();
      }
    }
  }
  return -1;
}

CompiledGrammar GrammarBuilder::finish(int32_t root_state) && {
  assert(root_state >= 0 && root_state < num_states());
  CompiledGrammar g;
  g.root_ = root_state;
  const size_t n = states_.size();
  g.final_.resize(n);
  g.byte_begin_.reserve(n + 1);
  g.eps_begin_.reserve(n + 1);
  g.call_begin_.reserve(n + 1);
  for (size_t i = 0; i < n; ++i) {
    const State& s = states_[i];
    g.final_[i] = s.final ? 1 : 0;
    g.byte_begin_.push_back(static_cast<int32_t>(g.byte_edges_.size()));
    g.eps_begin_.push_back(static_cast<int32_t>(g.eps_edges_.size()));
    g.call_begin_.push_back(static_cast<int32_t>(g.call_edges_.size()));
    g.byte_edges_.insert(g.byte_edges_.end(), s.bytes.begin(), s.bytes.end());
    g.eps_edges_.insert(g.eps_edges_.end(), s.eps.begin(), s.eps.end());
    g.call_edges_.insert(g.call_edges_.end(), s.calls.begin(), s.calls.end());
  }
  g.byte_begin_.push_back(static_cast<int32_t>(g.byte_edges_.size()));
  g.eps_begin_.push_back(static_cast<int32_t>(g.eps_edges_.size()));
  g.call_begin_.push_back(static_cast<int32_t>(g.call_edges_.size()));
  states_.clear();
  return g;
}

}  // namespace edgeserve::structured
