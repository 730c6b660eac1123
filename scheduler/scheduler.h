#pragma once
// Scheduler: the waiting and running queues and, each step, which tokens run (ARCHITECTURE step 4).
// schedule() counts tokens, not phases: running sequences first, oldest first, each gets
// min(tokens not yet computed, budget left) -- 1 when decoding -- then waiting sequences are admitted in
// arrival order while the token budget, max_num_seqs and free blocks allow, starting from their prefix-cache
// hit; a prompt longer than the budget is prefilled in chunks. When a running sequence needs a block and
// none is free, the newest running sequence is preempted (its blocks freed, recomputed later).
// update() takes the step's sampled tokens and finishes sequences on a stop token id, max_tokens or the
// context limit; abort() ends a waiting or running sequence. Finished sequences free their blocks at once.
// Not thread-safe: the engine thread alone owns it.
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "kvcache/block_manager.h"
#include "scheduler/scheduler_output.h"
#include "scheduler/sequence.h"

namespace edgeserve {

struct SchedulerLimits {
  int64_t max_num_seqs = 64;             // running sequences at once
  int64_t max_num_batched_tokens = 512;  // tokens per step
};

// What happened to one sequence in update().
struct SequenceUpdate {
  int64_t seq_id = 0;
  int32_t token_id = -1;                     // the sampled token; -1 when the sequence did not sample
  std::optional<FinishReason> finish_reason; // set when the sequence finished this step
  int64_t num_cached_prompt_tokens = 0;      // prompt tokens the prefix cache served at first admission
};

struct SchedulerCounters {
  int64_t num_preemptions = 0;           // total
  int64_t prefix_cache_queries = 0;      // tokens looked up in the prefix cache
  int64_t prefix_cache_hits = 0;         // of those, tokens found
  int64_t prompt_tokens = 0;             // prompt tokens of admitted requests (first admission)
  int64_t prompt_tokens_computed = 0;    // prompt tokens that ran through the model (not served by the cache)
  int64_t generation_tokens = 0;         // sampled tokens
};

class Scheduler {
 public:
  Scheduler(SchedulerLimits limits, int32_t num_kv_blocks, int32_t block_size, bool enable_prefix_caching);

  // Queues a sequence. Precondition: its seq_id is new; max_num_tokens() fits the cache
  // (blocks_for(max_num_tokens) <= num_kv_blocks), so it can always finish once it runs alone.
  void add_sequence(std::unique_ptr<Sequence> sequence);
  // Ends a waiting or running sequence (finish_reason abort) and frees its blocks. False if unknown.
  bool abort_sequence(int64_t seq_id);

  SchedulerOutput schedule();
  // `sampled_token_ids` holds one token per scheduled sequence with `samples`, in batch order.
  std::vector<SequenceUpdate> update(const SchedulerOutput& output, std::span<const int32_t> sampled_token_ids);
  // Ends a scheduled sequence whose step failed (finish_reason error); call before update() skips it.
  void fail_sequence(int64_t seq_id);

  const Sequence* find(int64_t seq_id) const;
  int64_t num_waiting() const { return static_cast<int64_t>(waiting_.size()); }
  int64_t num_running() const { return static_cast<int64_t>(running_.size()); }
  bool has_unfinished() const { return !waiting_.empty() || !running_.empty(); }
  const BlockManager& block_manager() const { return block_manager_; }
  BlockManager& block_manager() { return block_manager_; }
  const SchedulerCounters& counters() const { return counters_; }
  const SchedulerLimits& limits() const { return limits_; }

  // Throws std::logic_error on a broken invariant (block ref counts and free queue against every live
  // sequence's block table; queue membership and status; computed tokens covered by blocks).
  void check_invariants() const;

 private:
  void preempt(Sequence& sequence);
  void finish(Sequence& sequence, FinishReason reason);   // frees blocks; leaves the queues alone
  bool admit(Sequence& sequence, int64_t budget, SchedulerOutput& output);
  void add_to_output(Sequence& sequence, int64_t num_new_tokens, SchedulerOutput& output);

  SchedulerLimits limits_;
  BlockManager block_manager_;
  std::unordered_map<int64_t, std::unique_ptr<Sequence>> sequences_;  // live (waiting or running)
  std::deque<Sequence*> waiting_;   // front is next (preempted sequences go back to the front)
  std::vector<Sequence*> running_;  // admission order: back is the newest
  SchedulerCounters counters_;
};

}  // namespace edgeserve
