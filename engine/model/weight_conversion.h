#pragma once
// Weight conversion at load (`--dtype q8_0|q4_0|bf16|f16`): the matrices of an F32/F16/BF16 checkpoint
// re-encoded into a block format, so a user with a Hugging Face folder gets 8-bit or 4-bit weights without a
// converter. Bytes equal gguf-py's quantizers (engine/backend/cpu/quant). Norms and biases are left as they
// are; weights already in a block format (GGUF) are left as they are.
// Owns the converted bytes (a copy: they no longer come from the mmap).
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/model/model_weights.h"

namespace edgeserve {

class ConvertedWeights {
 public:
  // Re-points every F32/F16/BF16 matrix of `weights` (embedding, lm_head, projections) to a `target` copy
  // held here; tied embeddings stay tied. Returns how many tensors were converted. Throws std::runtime_error
  // naming the tensor when a row length is not a multiple of the target's block size.
  // Precondition: quant can quantize `target` (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, F16, BF16).
  int64_t convert(ModelWeights& weights, DType target);

  int64_t num_bytes() const { return num_bytes_; }

 private:
  const TensorView* convert_one(const TensorView& source, DType target);

  std::vector<std::unique_ptr<uint8_t[]>> storage_;
  std::deque<TensorView> views_;  // stable addresses: ModelWeights points into it
  int64_t num_bytes_ = 0;
};

// Parses a --dtype value: "auto" (nullopt: keep the file's types), "f16", "bf16", "q8_0", "q4_0", "q4_1",
// "q5_0", "q5_1". Throws std::invalid_argument for anything else.
std::optional<DType> parse_weight_dtype(const std::string& name);

}  // namespace edgeserve
