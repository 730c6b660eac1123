#pragma once
// CompiledGrammar: the byte-level grammar that structured output runs, as a recursive transition network.
// Every state has byte edges (a 256-bit byte class -> next state), epsilon edges, call edges (run the rule that
// starts at `rule_start`, then continue at `return_state`) and a final flag (the rule it belongs to may end
// here and return to its caller). The root rule ending means the whole document is complete.
// Built once by GrammarBuilder (the JSON-schema compiler drives it) and read-only afterwards, so one compiled
// grammar is shared by every sequence that uses the same schema. Knows nothing of tokens or of JSON.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace edgeserve::structured {

// A set of bytes, one bit per byte value.
struct ByteClass {
  std::array<uint64_t, 4> bits{};

  static ByteClass of(uint8_t byte) { ByteClass c; c.add(byte); return c; }
  static ByteClass range(uint8_t first, uint8_t last) { ByteClass c; c.add_range(first, last); return c; }
  void add(uint8_t byte) { bits[byte >> 6] |= 1ull << (byte & 63); }
  void add_range(uint8_t first, uint8_t last) { for (int b = first; b <= last; ++b) add(static_cast<uint8_t>(b)); }
  void remove(uint8_t byte) { bits[byte >> 6] &= ~(1ull << (byte & 63)); }
  bool contains(uint8_t byte) const { return (bits[byte >> 6] >> (byte & 63)) & 1u; }
  bool operator==(const ByteClass&) const = default;
};

struct ByteEdge {
  ByteClass bytes;
  int32_t target;
};

struct CallEdge {
  int32_t rule_start;    // first state of the called rule
  int32_t return_state;  // where the caller continues once the rule ends
};

class CompiledGrammar {
 public:
  int32_t num_states() const { return static_cast<int32_t>(final_.size()); }
  int32_t root_state() const { return root_; }
  bool is_final(int32_t state) const { return final_[state] != 0; }
  std::span<const ByteEdge> byte_edges(int32_t state) const { return slice(byte_edges_, byte_begin_, state); }
  std::span<const int32_t> epsilon_edges(int32_t state) const { return slice(eps_edges_, eps_begin_, state); }
  std::span<const CallEdge> call_edges(int32_t state) const { return slice(call_edges_, call_begin_, state); }
  // A return state with nothing to do but end its rule: calls into it need no stack frame (tail call).
  bool is_tail(int32_t state) const {
    return is_final(state) && byte_edges(state).empty() && epsilon_edges(state).empty() && call_edges(state).empty();
  }
  // Bytes of memory held by the tables (reported by the compiler's size limit).
  size_t memory_bytes() const;

 private:
  friend class GrammarBuilder;
  template <typename T>
  static std::span<const T> slice(const std::vector<T>& all, const std::vector<int32_t>& begin, int32_t state) {
    return {all.data() + begin[state], static_cast<size_t>(begin[state + 1] - begin[state])};
  }

  int32_t root_ = 0;
  std::vector<uint8_t> final_;                      // [num_states]
  std::vector<int32_t> byte_begin_, eps_begin_, call_begin_;  // [num_states + 1] prefix offsets
  std::vector<ByteEdge> byte_edges_;
  std::vector<int32_t> eps_edges_;
  std::vector<CallEdge> call_edges_;
};

// Assembles a CompiledGrammar edge by edge. Throws std::length_error when `max_states` is exceeded (the
// compiler turns that into a SchemaError), so no input can make the tables grow without bound.
class GrammarBuilder {
 public:
  explicit GrammarBuilder(int32_t max_states) : max_states_(max_states) {}

  int32_t new_state();
  void add_bytes(int32_t from, const ByteClass& bytes, int32_t to);
  void add_epsilon(int32_t from, int32_t to);
  void add_call(int32_t from, int32_t rule_start, int32_t return_state);
  void set_final(int32_t state);
  // Emits `text` byte by byte from `from`; returns the state after its last byte (`from` for "").
  int32_t add_literal(int32_t from, std::string_view text);
  // Like add_literal but ends exactly at `to`.
  void add_literal_to(int32_t from, std::string_view text, int32_t to);

  int32_t num_states() const { return static_cast<int32_t>(states_.size()); }
  // Rule starts whose first steps may call a rule again without consuming a byte (left recursion). Returns
  // one such rule start, or -1 when there is none.
  int32_t find_left_recursion() const;
  CompiledGrammar finish(int32_t root_state) &&;

 private:
  struct State {
    std::vector<ByteEdge> bytes;
    std::vector<int32_t> eps;
    std::vector<CallEdge> calls;
    bool final = false;
  };
  std::vector<State> states_;
  int32_t max_states_;
};

}  // namespace edgeserve::structured
