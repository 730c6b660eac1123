#pragma once
// RequestLimits: the server- and model-side bounds a request is validated against. Plain data, filled once
// by the server from the loaded model and its flags.
#include <cstdint>

namespace edgeserve::openai {

struct RequestLimits {
  int64_t vocab_size = 0;  // > 0; token ids (logit_bias, stop_token_ids, prompt ids) must be in [0, vocab_size)
  int64_t max_n = 8;       // >= 1; the largest `n` (choices per request) accepted
};

}  // namespace edgeserve::openai
