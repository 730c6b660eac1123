#include "engine/tokenizer/tokenizer_data.h"

namespace edgeserve {
namespace {

using tokenizer::PreTokenizerStep;

// Hugging Face's pre-tokenizer patterns for the Llama-3 and Qwen2 families (from their tokenizer.json).
constexpr std::string_view kLlama3Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr std::string_view kQwen2Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

PreTokenizerStep split_step(std::string_view pattern, const std::string& source) {
  PreTokenizerStep step;
  step.kind = PreTokenizerStep::Kind::kSplit;
  step.regex.emplace_back(pattern, source);
  step.behavior = tokenizer::SplitBehavior::kIsolated;
  return step;
}

PreTokenizerStep byte_level_step(bool use_regex, const std::string& source) {
  PreTokenizerStep step;
  step.kind = PreTokenizerStep::Kind::kByteLevel;
  step.use_regex = use_regex;
  if (use_regex) step.regex.emplace_back(tokenizer::kGpt2Pattern, source);
  return step;
}

// The Hugging Face pipeline each GGUF `pre` name stands for.
void configure_pre(const std::string& pre, const std::string& source, TokenizerSpec& spec) {
  std::vector<PreTokenizerStep> steps;
  if (pre == "llama-bpe" || pre == "llama3") {
    steps.push_back(split_step(kLlama3Pattern, source));
    steps.push_back(byte_level_step(false, source));
    spec.bpe.ignore_merges = true;
  } else if (pre == "qwen2" || pre == "deepseek-r1-qwen") {
    steps.push_back(split_step(kQwen2Pattern, source));
    steps.push_back(byte_level_step(false, source));
    spec.normalizer = tokenizer::Normalizer({tokenizer::NormalizationForm::kNFC});
  } else if (pre == "smollm") {
    PreTokenizerStep digits;
    digits.kind = PreTokenizerStep::Kind::kDigits;
    digits.individual_digits = true;
    steps.push_back(std::move(digits));
    steps.push_back(byte_level_step(true, source));
  } else if (pre == "gpt-2" || pre == "default" || pre.empty()) {
    steps.push_back(byte_level_step(true, source));
  } else {
    throw TokenizerError(source + ": tokenizer.ggml.pre: unsupported pre-tokenizer '" + pre +
                         "' (supported: llama-bpe, llama3, qwen2, deepseek-r1-qwen, smollm, gpt-2, default)");
  }
  spec.pre_tokenizer = tokenizer::PreTokenizer(std::move(steps));
}

}  // namespace

Tokenizer tokenizer_from_data(TokenizerData data, const std::string& source) {
  if (data.model != "gpt2")
    throw TokenizerError(source + ": tokenizer.ggml.model: unsupported model '" + data.model +
                         "' (supported: gpt2, byte-level BPE)");
  if (!data.token_types.empty() && data.token_types.size() != data.tokens.size())
    throw TokenizerError(source + ": tokenizer.ggml.token_type: " + std::to_string(data.token_types.size()) +
                         " entries for " + std::to_string(data.tokens.size()) + " tokens");
  if (data.tokens.size() > static_cast<size_t>(INT32_MAX))
    throw TokenizerError(source + ": tokenizer.ggml.tokens: too many tokens");
  TokenizerSpec spec;
  spec.source = source;
  configure_pre(data.pre, source, spec);
  spec.bpe.vocab.reserve(data.tokens.size());
  for (size_t id = 0; id < data.tokens.size(); ++id) {
    const int32_t type = data.token_types.empty() ? 1 : data.token_types[id];
    const bool control = type == static_cast<int32_t>(GgufTokenType::kControl);
    const bool user_defined = type == static_cast<int32_t>(GgufTokenType::kUserDefined);
    if (control || user_defined) {
      tokenizer::AddedToken added;
      added.id = static_cast<int32_t>(id);
      added.content = data.tokens[id];
      added.special = control;
      spec.added_tokens.push_back(std::move(added));
    }
    if (data.bos_id == static_cast<int32_t>(id)) spec.config.bos_token = data.tokens[id];
    if (data.eos_id == static_cast<int32_t>(id)) spec.config.eos_token = data.tokens[id];
    spec.bpe.vocab.emplace_back(std::move(data.tokens[id]), static_cast<int32_t>(id));
  }
  spec.bpe.merges.reserve(data.merges.size());
  for (size_t i = 0; i < data.merges.size(); ++i) {
    const std::string& merge = data.merges[i];
    const size_t space = merge.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == merge.size() ||
        merge.find(' ', space + 1) != std::string::npos)
      throw TokenizerError(source + ": tokenizer.ggml.merges[" + std::to_string(i) + "]: expected 'left right', got '" +
                           merge + "'");
    spec.bpe.merges.emplace_back(merge.substr(0, space), merge.substr(space + 1));
  }
  spec.bos_id = data.bos_id;
  spec.eos_id = data.eos_id;
  if (data.add_bos) {
    if (!data.bos_id) throw TokenizerError(source + ": tokenizer.ggml.add_bos_token is set but there is no bos id");
    spec.prefix_ids.push_back(*data.bos_id);
  }
  if (data.add_eos) {
    if (!data.eos_id) throw TokenizerError(source + ": tokenizer.ggml.add_eos_token is set but there is no eos id");
    spec.suffix_ids.push_back(*data.eos_id);
  }
  spec.config.add_bos_token = data.add_bos;
  spec.config.add_eos_token = data.add_eos;
  spec.config.chat_template = std::move(data.chat_template);
  return Tokenizer(std::move(spec));
}

}  // namespace edgeserve
