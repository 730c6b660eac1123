#pragma once
// The one exception type of the tokenizer: every load/parse fault names its source (file or "<string>") and the
// component that failed, e.g. "tokenizer.json: model: merge 12 'a b': token 'b' is not in the vocabulary".
#include <stdexcept>
#include <string>

namespace edgeserve {

class TokenizerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace edgeserve
