#include "engine/tokenizer/gguf_tokenizer.h"

#include "engine/tokenizer/tokenizer_data.h"

namespace edgeserve {
namespace {

std::optional<int32_t> token_id_key(const GgufFile& gguf, std::string_view key) {
  const auto value = gguf.get_uint(key);
  if (!value) return std::nullopt;
  if (*value > static_cast<uint64_t>(INT32_MAX))
    throw TokenizerError(gguf.source() + ": " + std::string(key) + ": id " + std::to_string(*value) + " out of range");
  return static_cast<int32_t>(*value);
}

}  // namespace

Tokenizer load_from_gguf(const GgufFile& gguf) {
  const std::string& source = gguf.source();
  TokenizerData data;
  const auto model = gguf.get_string("tokenizer.ggml.model");
  if (!model) throw TokenizerError(source + ": tokenizer.ggml.model: missing (the file carries no tokenizer)");
  data.model = *model;
  data.pre = gguf.get_string("tokenizer.ggml.pre").value_or("default");
  const auto* tokens = gguf.get_string_array("tokenizer.ggml.tokens");
  if (tokens == nullptr) throw TokenizerError(source + ": tokenizer.ggml.tokens: missing");
  data.tokens = *tokens;
  if (const auto* merges = gguf.get_string_array("tokenizer.ggml.merges")) data.merges = *merges;
  else throw TokenizerError(source + ": tokenizer.ggml.merges: missing (a BPE vocabulary needs its merges)");
  if (const auto types = gguf.get_int_array("tokenizer.ggml.token_type")) {
    data.token_types.reserve(types->size());
    for (const int64_t type : *types) {
      if (type < 0 || type > 6)
        throw TokenizerError(source + ": tokenizer.ggml.token_type: unknown type " + std::to_string(type));
      data.token_types.push_back(static_cast<int32_t>(type));
    }
  }
  data.bos_id = token_id_key(gguf, "tokenizer.ggml.bos_token_id");
  data.eos_id = token_id_key(gguf, "tokenizer.ggml.eos_token_id");
  data.add_bos = gguf.get_bool("tokenizer.ggml.add_bos_token").value_or(false);
  data.add_eos = gguf.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
  data.chat_template = gguf.get_string("tokenizer.chat_template").value_or("");
  return tokenizer_from_data(std::move(data), source);
}

}  // namespace edgeserve
