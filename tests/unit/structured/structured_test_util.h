#pragma once
// Helpers shared by the structured-output tests: a byte-level vocabulary (one token per byte value plus a stop
// token), whole-document matching, and the real tokenizers from ../shared and the default model.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/loader/gguf_file.h"
#include "engine/structured/grammar_matcher.h"
#include "engine/structured/json_schema_compiler.h"
#include "engine/structured/token_index.h"
#include "engine/tokenizer/gguf_tokenizer.h"
#include "engine/tokenizer/tokenizer_json.h"
#include "tests/test_paths.h"

namespace edgeserve::structured::test {

inline constexpr int32_t kByteStopId = 256;

// Token b (0..255) is the single byte b; token 256 is a special stop token.
inline std::shared_ptr<const TokenIndex> byte_index() {
  static const auto index = [] {
    std::vector<std::string> pieces;
    for (int b = 0; b < 256; ++b) pieces.emplace_back(1, static_cast<char>(b));
    pieces.emplace_back("<stop>");
    const int32_t special[] = {kByteStopId};
    return std::make_shared<const TokenIndex>(std::move(pieces), special);
  }();
  return index;
}

// The whole document `doc` fits the schema and may end right after it.
inline bool matches(const std::shared_ptr<const CompiledGrammar>& grammar, std::string_view doc) {
  GrammarMatcher m(grammar, byte_index(), {kByteStopId});
  return m.accept_string(doc) && m.can_terminate();
}

inline bool matches(std::string_view schema_text, std::string_view doc) {
  return matches(compile_json_schema_text(schema_text), doc);
}

inline const Tokenizer& qwen3_tokenizer() {
  static const Tokenizer tokenizer = [] {
    const std::string path = edgeserve::test::shared_dir() + "/models/qwen3-tokenizer/tokenizer.json";
    INFO("the Qwen3 tokenizer is needed at " << path << " (set EDGESERVE_SHARED_DIR)");
    return load_tokenizer(path);
  }();
  return tokenizer;
}

inline const Tokenizer& smollm2_tokenizer() {
  static const Tokenizer tokenizer = [] {
    const std::string path = edgeserve::test::default_model_path();
    if (path.empty()) FAIL("the SmolLM2 GGUF was not found: run scripts/setup.sh or set EDGESERVE_DEFAULT_MODEL");
    return load_from_gguf(GgufFile::open(path));
  }();
  return tokenizer;
}

// eos plus every special token named like an end of turn: what a server passes as stop tokens.
inline std::vector<int32_t> stop_ids(const Tokenizer& tokenizer) {
  std::vector<int32_t> ids;
  if (tokenizer.eos_id()) ids.push_back(*tokenizer.eos_id());
  if (auto im_end = tokenizer.token_id("<|im_end|>"); im_end && (ids.empty() || ids[0] != *im_end)) ids.push_back(*im_end);
  return ids;
}

}  // namespace edgeserve::structured::test
