#pragma once
// TokenIndex: a tokenizer's vocabulary as a byte trie, built once per tokenizer and shared read-only by every
// grammar and sequence. Nodes are stored in depth-first preorder so that a walk can skip a whole subtree (all
// tokens sharing a rejected prefix) with one jump. Special tokens and tokens with no bytes are left out: the
// grammar never produces them (stop tokens are the matcher's business). Knows nothing of grammars.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace edgeserve {
class Tokenizer;
}

namespace edgeserve::structured {

class TokenIndex {
 public:
  struct Node {
    int32_t subtree_end;   // first node index after this node's subtree
    int32_t token_begin;   // [token_begin, token_end) in sorted_token_ids(): tokens whose bytes end here
    int32_t token_end;
    uint16_t depth;        // bytes from the root (root: 0)
    uint8_t byte;          // the byte that leads here from the parent (root: 0)
  };

  // pieces[id] = the bytes of token id; ids in `excluded_ids` (special tokens) stay out of the trie.
  TokenIndex(std::vector<std::string> pieces, std::span<const int32_t> excluded_ids);
  // Every non-special token of `tokenizer` (token_to_piece bytes).
  static std::shared_ptr<const TokenIndex> from_tokenizer(const Tokenizer& tokenizer);

  int32_t vocab_size() const { return static_cast<int32_t>(pieces_.size()); }
  const std::string& piece(int32_t id) const { return pieces_[id]; }
  bool is_indexed(int32_t id) const { return indexed_[id] != 0; }
  int32_t num_nodes() const { return static_cast<int32_t>(nodes_.size()); }
  const Node& node(int32_t index) const { return nodes_[index]; }
  std::span<const int32_t> tokens_at(int32_t index) const {
    const Node& n = nodes_[index];
    return {sorted_ids_.data() + n.token_begin, static_cast<size_t>(n.token_end - n.token_begin)};
  }
  int32_t max_depth() const { return max_depth_; }

 private:
  std::vector<std::string> pieces_;  // [vocab_size]
  std::vector<uint8_t> indexed_;     // [vocab_size] 1 when in the trie
  std::vector<int32_t> sorted_ids_;  // indexed ids sorted by their bytes
  std::vector<Node> nodes_;          // preorder, nodes_[0] = root
  int32_t max_depth_ = 0;
};

}  // namespace edgeserve::structured
