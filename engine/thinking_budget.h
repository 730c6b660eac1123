#pragma once
// ThinkingBudget: caps a request's reasoning. It follows the sampled tokens through the think block (opened by
// the output's first token <think>, or already open when the prompt opened it) and, once `max_tokens`
// reasoning tokens have been sampled, forces a newline and then </think>, so the answer always comes: at most
// max_tokens + 1 reasoning tokens. Engine thread only; one per request that asked for a budget.
#include <cstdint>
#include <optional>

namespace edgeserve {

struct ThinkingBudgetSpec {
  int32_t think_start = -1;
  int32_t think_end = -1;
  int32_t newline = -1;         // the vocabulary's "\n" token, forced before </think>
  int64_t max_tokens = 0;       // reasoning tokens allowed before the block is closed
  bool starts_inside = false;   // the prompt ends inside an open <think> block
};

class ThinkingBudget {
 public:
  explicit ThinkingBudget(const ThinkingBudgetSpec& spec)
      : spec_(spec), at_start_(!spec.starts_inside), in_reasoning_(spec.starts_inside) {}

  // The token the next step must produce, if the budget is spent.
  std::optional<int32_t> forced_token() const {
    if (!in_reasoning_ || num_reasoning_tokens_ < spec_.max_tokens) return std::nullopt;
    if (!newline_forced_ && last_token_ != spec_.newline) return spec_.newline;
    return spec_.think_end;
  }

  // A token joined the output.  state follows the think block; counts reasoning tokens
  void observe(int32_t token_id) {
    const bool first = at_start_;
    at_start_ = false;
    if (first && token_id == spec_.think_start) {
      in_reasoning_ = true;
    } else if (in_reasoning_ && token_id == spec_.think_end) {
      in_reasoning_ = false;
    } else if (in_reasoning_) {
      if (num_reasoning_tokens_ >= spec_.max_tokens && token_id == spec_.newline) newline_forced_ = true;
      num_reasoning_tokens_ += 1;
    }
    last_token_ = token_id;
  }

  int64_t num_reasoning_tokens() const { return num_reasoning_tokens_; }

 private:
  ThinkingBudgetSpec spec_;
  bool at_start_;
  bool in_reasoning_;
  bool newline_forced_ = false;
  int64_t num_reasoning_tokens_ = 0;
  int32_t last_token_ = -1;
};

}  // namespace edgeserve
