#pragma once
// StructuredOutput: one request's constrained decoding on the engine thread -- forced prefix tokens, a
// grammar (JSON Schema / JSON object) that masks every step, forced suffix tokens, then a stop token or free
// text again. It waits for </think> when the model thinks first (the grammar applies to content only), and
// with a trigger token (tool_choice auto: Qwen's <tool_call>) it stays free until the model itself starts a
// call, then constrains that call. Owns the request's GrammarMatcher; the grammar, token index and mask cache
// are shared read-only. Engine thread only.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/sampler/sampler.h"
#include "engine/structured/grammar_matcher.h"

namespace edgeserve {

struct StructuredOutputSpec {
  std::shared_ptr<const structured::CompiledGrammar> grammar;
  std::shared_ptr<const structured::TokenIndex> index;
  std::shared_ptr<structured::TokenMaskCache> cache;   // shared by the request's choices
  std::vector<int32_t> prefix_tokens;     // forced before the grammar ("<tool_call>\n")
  std::vector<int32_t> suffix_tokens;     // forced once the document is complete ("\n</tool_call>")
  std::vector<int32_t> stop_token_ids;    // the request's stop ids (eos, <|im_end|>)
  bool stop_after = true;                 // after the suffix: force a stop token (false: free text again)
  std::optional<int32_t> trigger_token;   // free until the model samples it (it stands for the prefix)
  std::optional<int32_t> wait_for_token;  // nothing is constrained before this token (</think>)
};

class StructuredOutput {
 public:
  explicit StructuredOutput(StructuredOutputSpec spec);

  // The constraint for the next token: a forced token, or `mask` filled and pointed to by hooks.allowed_tokens,
  // or nothing (free text).
  void prepare(sampler::TokenBitmask& mask, sampler::SamplerHooks& hooks);
  // The token the step produced.  advances the phase / matcher
  void observe(int32_t token_id);

 private:
  enum class Phase { kWaiting, kFree, kPrefix, kGrammar, kSuffix, kStop, kDone };
  void enter_constrained();   // -> kPrefix or kGrammar

  StructuredOutputSpec spec_;
  structured::GrammarMatcher matcher_;
  Phase phase_;
  size_t forced_pos_ = 0;     // next token of the prefix / suffix
};

}  // namespace edgeserve
