#pragma once
// ReasoningParser: splits one choice's output into reasoning and content, deciding on token ids
// (OPENAI_COMPAT.md "Thinking mode"): tokens after <think> and before </think> are reasoning, the rest content.
// The tags never appear in either text and produce no text of their own. The starting state comes from the
// prompt: a prompt whose last think tag is an open <think> (a template that opens the block itself) starts
// inside reasoning; otherwise the output is content unless its first token opens a <think> block (Qwen3
// thinking on), and a prompt that already closed its block (</think>, thinking off) gives content only.
// Only the prompt's tail after its last special token is looked at (prompt_think_state).
// Leading newlines of each section are dropped (Qwen writes "<think>\n" and "</think>\n\n").
// Owns its detokenizer; borrows the tokenizer.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "engine/tokenizer/incremental_detokenizer.h"

namespace edgeserve {

// The vocabulary's think tags; absent for models without them (then nothing is parsed).
struct ReasoningTokens {
  int32_t think_start = -1;
  int32_t think_end = -1;
  static std::optional<ReasoningTokens> find(const Tokenizer& tokenizer);
};

struct ReasoningDelta {
  std::string reasoning;
  std::string content;
};

class ReasoningParser {
 public:
  ReasoningParser(const Tokenizer& tokenizer, std::optional<ReasoningTokens> tokens,
                  std::span<const int32_t> prompt_token_ids);

  ReasoningDelta add(int32_t token_id);
  ReasoningDelta flush();   // the end of the output: whatever the detokenizer held back

  bool in_reasoning() const { return state_ == State::kReasoning; }
  bool saw_reasoning() const { return saw_reasoning_; }
  // Output tokens inside the reasoning section (the tags not counted).
  int64_t num_reasoning_tokens() const { return num_reasoning_tokens_; }

 private:
  enum class State { kStart, kReasoning, kContent };
  void emit(std::string text, ReasoningDelta& out);

  std::optional<ReasoningTokens> tokens_;
  IncrementalDetokenizer detokenizer_;
  State state_ = State::kStart;
  bool saw_reasoning_ = false;
  bool trim_leading_newlines_ = false;
  int64_t num_reasoning_tokens_ = 0;
};

// The think tag that ends the prompt's last turn header, if any: only the tail after the prompt's last special
// token (<|im_start|> of the assistant turn) counts, so a </think> typed in a user message decides nothing.
// Returns think_start (the model starts inside reasoning), think_end (the block is closed: thinking off) or -1.
int32_t prompt_think_state(const Tokenizer& tokenizer, const ReasoningTokens& tokens,
                           std::span<const int32_t> prompt_token_ids);

}  // namespace edgeserve
