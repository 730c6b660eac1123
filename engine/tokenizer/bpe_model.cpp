#include "engine/tokenizer/bpe_model.h"

#include <queue>

#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/tokenizer_error.h"

namespace edgeserve::tokenizer {
namespace {

// Ids may leave gaps, but an id far beyond the number of entries would size the id table from an
// unchecked number in the file.
constexpr size_t kMaxIdSlack = size_t{1} << 20;

// One symbol of the word being merged: a doubly linked list over the initial byte positions.
struct Symbol {
  int32_t id;
  int32_t prev;  // index of the previous live symbol, -1 at the start
  int32_t next;  // index of the next live symbol, -1 at the end
  bool alive;
};

// A candidate merge of symbols[left] with its next symbol. Lowest rank first, then leftmost, as Hugging Face
// orders its queue.
struct Candidate {
  int32_t rank;
  int32_t left;
  int32_t left_id;
  int32_t right_id;
  bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
};

}  // namespace

BpeModel::BpeModel(BpeConfig config, const std::string& source) : ignore_merges_(config.ignore_merges) {
  const std::string where = source + ": model: ";
  vocab_.reserve(config.vocab.size());
  int64_t max_id = -1;
  for (const auto& [token, id] : config.vocab) {
    if (id < 0 || static_cast<size_t>(id) >= config.vocab.size() + kMaxIdSlack)
      throw TokenizerError(where + "vocab entry '" + token + "' has out-of-range id " + std::to_string(id));
    if (!vocab_.emplace(token, id).second) throw TokenizerError(where + "vocab entry '" + token + "' appears twice");
    max_id = std::max<int64_t>(max_id, id);
  }
  id_to_token_.resize(static_cast<size_t>(max_id + 1));
  has_id_.assign(static_cast<size_t>(max_id + 1), false);
  for (auto& [token, id] : config.vocab) {
    if (has_id_[id])
      throw TokenizerError(where + "id " + std::to_string(id) + " is given to both '" + id_to_token_[id] + "' and '" +
                           token + "'");
    has_id_[id] = true;
    id_to_token_[id] = std::move(token);
  }
  const auto& byte_chars = byte_to_unicode();
  for (int b = 0; b < 256; ++b) {
    const auto it = vocab_.find(byte_chars[b]);
    byte_ids_[b] = it == vocab_.end() ? -1 : it->second;
  }
  merges_ = MergeTable(config.merges.size());
  for (size_t rank = 0; rank < config.merges.size(); ++rank) {
    const std::string& left = config.merges[rank].first;  // not a structured binding: lambdas capture it
    const std::string& right = config.merges[rank].second;
    const auto describe = [&] { return "merge " + std::to_string(rank) + " '" + left + " " + right + "': "; };
    const auto l = vocab_.find(left), r = vocab_.find(right);
    if (l == vocab_.end()) throw TokenizerError(where + describe() + "token '" + left + "' is not in the vocabulary");
    if (r == vocab_.end()) throw TokenizerError(where + describe() + "token '" + right + "' is not in the vocabulary");
    const auto merged = vocab_.find(left + right);
    if (merged == vocab_.end())
      throw TokenizerError(where + describe() + "result '" + left + right + "' is not in the vocabulary");
    merges_.insert(l->second, r->second, MergeTable::Merge{static_cast<int32_t>(rank), merged->second});
  }
}

std::optional<int32_t> BpeModel::token_id(std::string_view vocab_entry) const {
  const auto it = vocab_.find(std::string(vocab_entry));
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size() || !has_id_[id]) return nullptr;
  return &id_to_token_[id];
}

void BpeModel::encode_word(std::string_view raw, std::vector<int32_t>& ids) const {
  if (raw.empty()) return;
  if (ignore_merges_) {
    if (const auto it = vocab_.find(byte_level_encode(raw)); it != vocab_.end()) {
      ids.push_back(it->second);
      return;
    }
  }
  std::vector<Symbol> symbols;
  symbols.reserve(raw.size());
  for (const char c : raw) {
    const int32_t id = byte_ids_[static_cast<uint8_t>(c)];
    if (id < 0) continue;
    const auto index = static_cast<int32_t>(symbols.size());
    symbols.push_back(Symbol{id, index - 1, index + 1, true});
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  std::vector<Candidate> storage;
  storage.reserve(symbols.size());
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue(std::greater<>{}, std::move(storage));
  const auto push_pair = [&](int32_t left) {
    const int32_t right = symbols[left].next;
    if (right < 0) return;
    if (const auto* merge = merges_.find(symbols[left].id, symbols[right].id))
      queue.push(Candidate{merge->rank, left, symbols[left].id, symbols[right].id});
  };
  for (int32_t i = 0; i + 1 < static_cast<int32_t>(symbols.size()); ++i) push_pair(i);

  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.left];
    // Stale entry: symbols only grow, so unchanged ids at both ends mean the pair is still the same one.
    if (!left.alive || left.id != top.left_id || left.next < 0 || symbols[left.next].id != top.right_id) continue;
    Symbol& right = symbols[left.next];
    left.id = merges_.find(top.left_id, top.right_id)->new_id;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.left;
    if (left.prev >= 0) push_pair(left.prev);
    push_pair(top.left);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next) ids.push_back(symbols[i].id);
}

}  // namespace edgeserve::tokenizer
