#include "server/parsers/reasoning_parser.h"

namespace edgeserve {

std::optional<ReasoningTokens> ReasoningTokens::find(const Tokenizer& tokenizer) {
  const auto start = tokenizer.token_id("<think>");
  const auto end = tokenizer.token_id("</think>");
  if (!start || !end) return std::nullopt;
  return ReasoningTokens{*start, *end};
}

int32_t prompt_think_state(const Tokenizer& tokenizer, const ReasoningTokens& tokens,
                           std::span<const int32_t> prompt_token_ids) {
  for (auto it = prompt_token_ids.rbegin(); it != prompt_token_ids.rend(); ++it) {
    if (*it == tokens.think_end || *it == tokens.think_start) return *it;
    if (tokenizer.is_special(*it)) return -1;   // the turn header: earlier tags belong to other turns
  }
  return -1;
}

ReasoningParser::ReasoningParser(const Tokenizer& tokenizer, std::optional<ReasoningTokens> tokens,
                                 std::span<const int32_t> prompt_token_ids)
    : tokens_(tokens), detokenizer_(tokenizer, /*skip_special_tokens=*/true) {
  if (!tokens_) {
    state_ = State::kContent;
    return;
  }
  const int32_t tag = prompt_think_state(tokenizer, *tokens_, prompt_token_ids);
  if (tag == tokens_->think_start) {
    state_ = State::kReasoning;
    saw_reasoning_ = true;
    trim_leading_newlines_ = true;
  } else if (tag == tokens_->think_end) {
    state_ = State::kContent;   // thinking off: the template wrote the empty block
  }
}

void ReasoningParser::emit(std::string text, ReasoningDelta& out) {
  if (trim_leading_newlines_) {
    const size_t first = text.find_first_not_of('\n');
    if (first == std::string::npos) return;   // still only newlines: keep trimming
    text.erase(0, first);
    trim_leading_newlines_ = false;
  }
  (state_ == State::kReasoning ? out.reasoning : out.content) += text;
}

ReasoningDelta ReasoningParser::add(int32_t token_id) {
  ReasoningDelta out;
  if (tokens_ && state_ == State::kStart) {
    state_ = State::kContent;
    if (token_id == tokens_->think_start) {
      state_ = State::kReasoning;
      saw_reasoning_ = true;
      trim_leading_newlines_ = true;
      return out;
    }
  }
  if (tokens_ && state_ == State::kReasoning && token_id == tokens_->think_end) {
    emit(detokenizer_.flush(), out);   // held-back bytes belong to the reasoning
    state_ = State::kContent;
    trim_leading_newlines_ = true;
    return out;
  }
  if (state_ == State::kReasoning) num_reasoning_tokens_ += 1;
  emit(detokenizer_.add(token_id), out);
  return out;
}

ReasoningDelta ReasoningParser::flush() {
  ReasoningDelta out;
  emit(detokenizer_.flush(), out);
  return out;
}

}  // namespace edgeserve
