#include "scheduler/sequence.h"

#include <cassert>

namespace edgeserve {

const char* to_string(FinishReason reason) {
  switch (reason) {
    case FinishReason::kStop: return "stop";
    case FinishReason::kLength: return "length";
    case FinishReason::kAbort: return "abort";
    case FinishReason::kError: return "error";
  }
  return "unknown";
}

Sequence::Sequence(int64_t seq_id, std::vector<int32_t> prompt_token_ids, SamplingParams params,
                   int64_t max_num_tokens)
    : seq_id_(seq_id), token_ids_(std::move(prompt_token_ids)),
      num_prompt_tokens_(static_cast<int64_t>(token_ids_.size())), params_(std::move(params)),
      max_num_tokens_(max_num_tokens) {
  assert(num_prompt_tokens_ > 0 && num_prompt_tokens_ < max_num_tokens_);
}

void Sequence::start_running(int64_t num_cached_tokens) {
  assert(status_ == SequenceStatus::kWaiting && num_computed_tokens_ == 0);
  status_ = SequenceStatus::kRunning;
  num_computed_tokens_ = num_cached_tokens;
  if (num_cached_prompt_tokens_ < 0) num_cached_prompt_tokens_ = num_cached_tokens;
}

void Sequence::add_computed_tokens(int64_t num_new_tokens) {
  assert(status_ == SequenceStatus::kRunning);
  num_computed_tokens_ += num_new_tokens;
  assert(num_computed_tokens_ <= num_tokens());
}

void Sequence::preempt() {
  assert(status_ == SequenceStatus::kRunning && block_table_.empty());
  status_ = SequenceStatus::kWaiting;
  num_computed_tokens_ = 0;
  prefix_cursor_ = {};
  num_preemptions_ += 1;
}

void Sequence::finish(FinishReason reason) {
  assert(status_ != SequenceStatus::kFinished && block_table_.empty());
  status_ = SequenceStatus::kFinished;
  finish_reason_ = reason;
}

}  // namespace edgeserve
