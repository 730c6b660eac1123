#pragma once
// The BPE model of a byte-level tokenizer: vocabulary, merge ranks, and the merge loop that turns one
// pre-token (raw bytes) into ids. Owns vocabulary and merges; knows nothing of added tokens, normalization or
// pre-tokenization. Thread-safe after construction (encode_word is const and allocates per call).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/tokenizer/merge_table.h"

namespace edgeserve::tokenizer {

struct BpeConfig {
  // Vocabulary entries as written in tokenizer.json (byte-level stand-in characters, e.g. "Ġthe").
  std::vector<std::pair<std::string, int32_t>> vocab;
  // Merges in priority order (rank = index), each a pair of vocabulary entries.
  std::vector<std::pair<std::string, std::string>> merges;
  // Llama-3: a pre-token that is itself a vocabulary entry is emitted whole, without merging.
  bool ignore_merges = false;
};

class BpeModel {
 public:
  BpeModel() = default;
  // Validates and indexes `config`. Throws TokenizerError naming `source` and the "model" component on a
  // duplicate or out-of-range id, or a merge whose parts or result are not in the vocabulary.
  BpeModel(BpeConfig config, const std::string& source);

  // Appends the ids of one pre-token given as raw bytes. Bytes whose stand-in character is not in the
  // vocabulary are dropped, as Hugging Face does without an unk token. O(n log n) in the pre-token length.
  void encode_word(std::string_view raw, std::vector<int32_t>& ids) const;

  std::optional<int32_t> token_id(std::string_view vocab_entry) const;
  // The entry as written in tokenizer.json, or nullptr when `id` is not in the vocabulary.
  const std::string* token(int32_t id) const;
  // One past the largest id in the vocabulary.
  int32_t id_end() const { return static_cast<int32_t>(id_to_token_.size()); }

 private:
  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> id_to_token_;  // "" for ids not in the vocabulary
  std::vector<bool> has_id_;
  MergeTable merges_;
  int32_t byte_ids_[256];  // id of each byte's stand-in character, -1 when absent
  bool ignore_merges_ = false;
};

}  // namespace edgeserve::tokenizer
