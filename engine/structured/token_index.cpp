// TokenIndex construction: sort the indexed tokens by bytes, then lay the trie out in preorder in one pass.
#include "engine/structured/token_index.h"

#include <algorithm>
#include <cassert>
#include <limits>
#include <stdexcept>

#include "engine/tokenizer/tokenizer.h"

namespace edgeserve::structured {

TokenIndex::TokenIndex(std::vector<std::string> pieces, std::span<const int32_t> excluded_ids)
    : pieces_(std::move(pieces)), indexed_(pieces_.size(), 1) {
  const int32_t n = vocab_size();
  for (int32_t id : excluded_ids) {
    if (id >= 0 && id < n) indexed_[id] = 0;
  }
  for (int32_t id = 0; id < n; ++id) {
    if (pieces_[id].empty()) indexed_[id] = 0;
    if (pieces_[id].size() > std::numeric_limits<uint16_t>::max()) {
      throw std::invalid_argument("token " + std::to_string(id) + " is longer than 65535 bytes");
    }
    if (indexed_[id]) sorted_ids_.push_back(id);
  }
  // std::string compares bytes as unsigned char, which is the trie's child order.
  std::sort(sorted_ids_.begin(), sorted_ids_.end(), [this](int32_t a, int32_t b) {
    return pieces_[a] != pieces_[b] ? pieces_[a] < pieces_[b] : a < b;
  });
  nodes_.push_back({0, 0, 0, 0, 0});
  std::vector<int32_t> path{0};  // node index per depth along the current token's bytes
  const std::string* previous = nullptr;
  for (size_t rank = 0; rank < sorted_ids_.size(); ++rank) {
    const std::string& bytes = pieces_[sorted_ids_[rank]];
    size_t common = 0;
    if (previous != nullptr) {
      while (common < previous->size() && common < bytes.size() && (*previous)[common] == bytes[common]) ++common;
    }
    while (path.size() > common + 1) {  // close the subtrees the new token leaves
      nodes_[path.back()].subtree_end = num_nodes();
      path.pop_back();
    }
    for (size_t d = common; d < bytes.size(); ++d) {
      const int32_t index = num_nodes();
      nodes_.push_back({0, static_cast<int32_t>(rank), static_cast<int32_t>(rank), static_cast<uint16_t>(d + 1),
                        static_cast<uint8_t>(bytes[d])});
      path.push_back(index);
    }
    Node& end = nodes_[path.back()];
    if (end.token_end == end.token_begin) end.token_begin = static_cast<int32_t>(rank);
    end.token_end = static_cast<int32_t>(rank) + 1;
    max_depth_ = std::max<int32_t>(max_depth_, static_cast<int32_t>(bytes.size()));
    previous = &bytes;
  }
  while (!path.empty()) {
    nodes_[path.back()].subtree_end = num_nodes();
    path.pop_back();
  }
}

std::shared_ptr<const TokenIndex> TokenIndex::from_tokenizer(const Tokenizer& tokenizer) {
  std::vector<std::string> pieces(static_cast<size_t>(tokenizer.vocab_size()));
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) pieces[id] = tokenizer.token_to_piece(id);
  std::vector<int32_t> special;
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    if (tokenizer.is_special(id)) special.push_back(id);
  }
  return std::make_shared<const TokenIndex>(std::move(pieces), special);
}

}  // namespace edgeserve::structured
