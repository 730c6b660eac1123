#pragma once
// SchedulerOutput: what one engine step runs, in batch order -- running sequences first (oldest first), then
// the ones admitted this step. Views into the scheduled sequences stay valid until Scheduler::update().
#include <cstdint>
#include <span>
#include <vector>

namespace edgeserve {

struct ScheduledSequence {
  int64_t seq_id = 0;
  std::span<const int32_t> token_ids;    // the whole sequence (prompt + output so far)
  std::span<const int32_t> block_table;  // covers num_computed_tokens + num_new_tokens slots
  int64_t num_computed_tokens = 0;       // before this step
  int32_t num_new_tokens = 0;            // token_ids[num_computed, num_computed + num_new) run this step
  // The step computes the sequence's last known token, so its logits give the next one. False for a
  // prefill chunk that stops short of the end of the prompt.
  bool samples = false;
};

struct SchedulerOutput {
  std::vector<ScheduledSequence> scheduled;
  std::vector<int64_t> preempted_seq_ids;   // lost their blocks this step (recomputed later)
  int64_t num_batched_tokens = 0;           // sum of num_new_tokens

  bool empty() const { return scheduled.empty(); }
  int32_t num_sampling() const {
    int32_t n = 0;
    for (const auto& s : scheduled) n += s.samples ? 1 : 0;
    return n;
  }
};

}  // namespace edgeserve
