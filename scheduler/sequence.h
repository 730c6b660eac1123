#pragma once
// Sequence: one request's token stream as the scheduler sees it -- prompt + output token ids, how many of them
// have their K/V in the cache (num_computed_tokens), its block table and prefix-cache cursor, its status.
// Owned by the Scheduler; the engine reads it through SchedulerOutput between schedule() and update().
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "kvcache/block_manager.h"
#include "scheduler/sampling_params.h"

namespace edgeserve {

enum class SequenceStatus { kWaiting, kRunning, kFinished };

// Why a sequence ended (OpenAI's finish_reason: stop, length; abort: the client left or was cut off).
enum class FinishReason { kStop, kLength, kAbort, kError };

const char* to_string(FinishReason reason);

class Sequence {
 public:
  // `max_num_tokens`: the sequence finishes with kLength once it holds that many tokens (prompt + output),
  // the smaller of the context limit and prompt + max_tokens. Precondition: prompt not empty,
  // prompt length < max_num_tokens.
  Sequence(int64_t seq_id, std::vector<int32_t> prompt_token_ids, SamplingParams params, int64_t max_num_tokens);

  int64_t seq_id() const { return seq_id_; }
  SequenceStatus status() const { return status_; }
  const SamplingParams& params() const { return params_; }
  std::span<const int32_t> token_ids() const { return token_ids_; }
  int64_t num_tokens() const { return static_cast<int64_t>(token_ids_.size()); }
  int64_t num_prompt_tokens() const { return num_prompt_tokens_; }
  int64_t num_output_tokens() const { return num_tokens() - num_prompt_tokens_; }
  int64_t max_num_tokens() const { return max_num_tokens_; }
  // Tokens whose K/V are in the cache (cached prefix + computed). The rest run in the next steps.
  int64_t num_computed_tokens() const { return num_computed_tokens_; }
  // Prompt tokens served by the prefix cache when the sequence was first scheduled (-1 before that).
  int64_t num_cached_prompt_tokens() const { return num_cached_prompt_tokens_; }
  int32_t num_preemptions() const { return num_preemptions_; }
  const std::vector<int32_t>& block_table() const { return block_table_; }
  std::optional<FinishReason> finish_reason() const { return finish_reason_; }
  bool is_finished() const { return status_ == SequenceStatus::kFinished; }

  // --- mutators, called by the Scheduler only ------------------------------------------------------------
  std::vector<int32_t>& mutable_block_table() { return block_table_; }
  PrefixCacheCursor& prefix_cursor() { return prefix_cursor_; }
  // Admitted with `num_cached_tokens` from the prefix cache.  WAITING -> RUNNING
  void start_running(int64_t num_cached_tokens);
  // `num_new_tokens` more tokens have their K/V in the cache.  num_computed_tokens += n
  void add_computed_tokens(int64_t num_new_tokens);
  // A sampled token joins the sequence.  num_tokens += 1
  void append_token(int32_t token_id) { token_ids_.push_back(token_id); }
  // Lost its blocks; everything is recomputed later.  RUNNING -> WAITING, num_computed_tokens -> 0
  void preempt();
  // RUNNING or WAITING -> FINISHED
  void finish(FinishReason reason);

 private:
  int64_t seq_id_;
  std::vector<int32_t> token_ids_;
  int64_t num_prompt_tokens_;
  SamplingParams params_;
  int64_t max_num_tokens_;
  int64_t num_computed_tokens_ = 0;
  int64_t num_cached_prompt_tokens_ = -1;
  int32_t num_preemptions_ = 0;
  SequenceStatus status_ = SequenceStatus::kWaiting;
  std::optional<FinishReason> finish_reason_;
  std::vector<int32_t> block_table_;
  PrefixCacheCursor prefix_cursor_;
};

}  // namespace edgeserve
