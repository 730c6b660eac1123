#pragma once
// Unicode normalizers of tokenizer.json ("NFC", "NFD", "NFKC", "NFKD", a "Sequence" of them, or none) through
// libutf8proc. Owns only the list of steps; knows nothing of added tokens or pre-tokenization.
#include <string>
#include <string_view>
#include <vector>

namespace edgeserve::tokenizer {

enum class NormalizationForm { kNFC, kNFD, kNFKC, kNFKD };

class Normalizer {
 public:
  Normalizer() = default;
  explicit Normalizer(std::vector<NormalizationForm> steps) : steps_(std::move(steps)) {}

  bool empty() const { return steps_.empty(); }

  // Applies every step in order. Precondition: `text` is valid UTF-8.
  std::string apply(std::string_view text) const;

 private:
  std::vector<NormalizationForm> steps_;
};

}  // namespace edgeserve::tokenizer
