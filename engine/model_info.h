#pragma once
// ModelInfo: the description `edgeserve inspect` prints, computed from ModelFiles without reading
// weights: sizes, a histogram of tensor dtypes, tokenizer facts, chat template, and the memory a
// single sequence at full context needs (weights + F16 KV cache + logits).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/model_files.h"

namespace edgeserve {

struct DTypeUsage {
  int64_t num_tensors = 0;
  int64_t num_elements = 0;
  int64_t num_bytes = 0;
};

struct ModelInfo {
  std::string path;
  std::string format;
  ModelConfig config;
  int64_t num_tensors = 0;
  int64_t num_parameters = 0;
  int64_t weight_bytes = 0;
  std::map<std::string, DTypeUsage> dtype_histogram;  // dtype name -> usage
  std::string tokenizer;                               // "byte-level BPE, 49152 tokens" or "none"
  std::vector<std::pair<std::string, int32_t>> special_tokens;  // written form, id
  std::string bos_token, eos_token;                    // "" when none
  bool has_chat_template = false;
  std::string chat_template_origin;
  int64_t max_model_len = 0;                           // the setting, or the model's own context
  int64_t block_size = 0;
  int64_t kv_bytes_per_token = 0;                      // F16 K and V, all layers
  int64_t kv_blocks_per_sequence = 0;                  // blocks for one full-context sequence
  int64_t memory_needed_bytes = 0;                     // weights + KV(max_model_len) + logits
  double open_seconds = 0;                             // time to open and validate the files
};

// `max_model_len` 0 means the model's own context length. Precondition: block_size > 0.
ModelInfo describe_model(const ModelFiles& files, int64_t max_model_len, int64_t block_size);

nlohmann::ordered_json to_json(const ModelInfo& info);
std::string to_text(const ModelInfo& info);

}  // namespace edgeserve
