#include "scheduler/scheduler.h"

#include <algorithm>
#include <cassert>
#include <stdexcept>
#include <string>

namespace edgeserve {

Scheduler::Scheduler(SchedulerLimits limits, int32_t num_kv_blocks, int32_t block_size, bool enable_prefix_caching)
    : limits_(limits), block_manager_(num_kv_blocks, block_size, enable_prefix_caching) {
  assert(limits.max_num_seqs > 0 && limits.max_num_batched_tokens > 0);
  running_.reserve(static_cast<size_t>(limits.max_num_seqs));
}

void Scheduler::add_sequence(std::unique_ptr<Sequence> sequence) {
  assert(sequence && sequence->status() == SequenceStatus::kWaiting);
  assert(block_manager_.blocks_for(sequence->max_num_tokens()) <= block_manager_.num_blocks());
  Sequence* raw = sequence.get();
  const bool inserted = sequences_.emplace(raw->seq_id(), std::move(sequence)).second;
  assert(inserted);
  (void)inserted;
  waiting_.push_back(raw);
}

const Sequence* Scheduler::find(int64_t seq_id) const {
  const auto it = sequences_.find(seq_id);
  return it == sequences_.end() ? nullptr : it->second.get();
}

void Scheduler::finish(Sequence& sequence, FinishReason reason) {
  block_manager_.free(sequence.mutable_block_table());
  sequence.finish(reason);
}

bool Scheduler::abort_sequence(int64_t seq_id) {
  const auto it = sequences_.find(seq_id);
  if (it == sequences_.end()) return false;
  Sequence* seq = it->second.get();
  if (seq->status() == SequenceStatus::kWaiting)
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), seq));
  else
    running_.erase(std::find(running_.begin(), running_.end(), seq));
  finish(*seq, FinishReason::kAbort);
  sequences_.erase(it);
  return true;
}

void Scheduler::fail_sequence(int64_t seq_id) {
  const auto it = sequences_.find(seq_id);
  if (it == sequences_.end()) return;
  Sequence* seq = it->second.get();
  if (seq->status() == SequenceStatus::kWaiting)
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), seq));
  else
    running_.erase(std::find(running_.begin(), running_.end(), seq));
  finish(*seq, FinishReason::kError);
  sequences_.erase(it);
}

void Scheduler::preempt(Sequence& sequence) {
  block_manager_.free(sequence.mutable_block_table());
  sequence.preempt();
  waiting_.push_front(&sequence);
  counters_.num_preemptions += 1;
}

void Scheduler::add_to_output(Sequence& sequence, int64_t num_new_tokens, SchedulerOutput& output) {
  ScheduledSequence s;
  s.seq_id = sequence.seq_id();
  s.token_ids = sequence.token_ids();
  s.block_table = sequence.block_table();
  s.num_computed_tokens = sequence.num_computed_tokens();
  s.num_new_tokens = static_cast<int32_t>(num_new_tokens);
  s.samples = sequence.num_computed_tokens() + num_new_tokens == sequence.num_tokens();
  output.scheduled.push_back(s);
  output.num_batched_tokens += num_new_tokens;
}

bool Scheduler::admit(Sequence& sequence, int64_t budget, SchedulerOutput& output) {
  CachedPrefix prefix;
  if (block_manager_.prefix_caching_enabled()) {
    // At least the last token must run: its logits give the next token.
    prefix = block_manager_.find_cached_prefix(sequence.token_ids(), sequence.num_tokens() - 1);
  }
  const int64_t num_cached = prefix.num_tokens(block_manager_.block_size());
  const int64_t num_new = std::min(sequence.num_tokens() - num_cached, budget);
  if (!block_manager_.allocate_slots(sequence.mutable_block_table(), prefix.blocks, num_cached + num_new))
    return false;
  if (block_manager_.prefix_caching_enabled()) {
    counters_.prefix_cache_queries += sequence.num_tokens();
    counters_.prefix_cache_hits += num_cached;
  }
  if (sequence.num_cached_prompt_tokens() < 0) counters_.prompt_tokens += sequence.num_prompt_tokens();
  sequence.prefix_cursor() = prefix.cursor;
  sequence.start_running(num_cached);
  add_to_output(sequence, num_new, output);
  return true;
}

SchedulerOutput Scheduler::schedule() {
  SchedulerOutput output;
  int64_t budget = limits_.max_num_batched_tokens;

  // Running sequences, oldest first: decode latency before new admissions.
  for (size_t i = 0; i < running_.size() && budget > 0;) {
    Sequence& seq = *running_[i];
    const int64_t num_new = std::min(seq.num_tokens() - seq.num_computed_tokens(), budget);
    assert(num_new > 0);
    bool scheduled = false;
    while (true) {
      if (block_manager_.allocate_slots(seq.mutable_block_table(), {}, seq.num_computed_tokens() + num_new)) {
        scheduled = true;
        break;
      }
      // Out of blocks: the newest running sequence gives its blocks back (possibly this one).
      Sequence* victim = running_.back();
      running_.pop_back();
      preempt(*victim);
      output.preempted_seq_ids.push_back(victim->seq_id());
      if (victim == &seq) break;
    }
    if (!scheduled) break;   // this sequence was the newest: nothing after it runs either
    add_to_output(seq, num_new, output);
    budget -= num_new;
    ++i;
  }

  // Waiting sequences in order, unless this step already had to take blocks back.
  if (output.preempted_seq_ids.empty()) {
    while (!waiting_.empty() && budget > 0 && static_cast<int64_t>(running_.size()) < limits_.max_num_seqs) {
      Sequence& seq = *waiting_.front();
      if (!admit(seq, budget, output)) break;   // first come, first served: no overtaking
      waiting_.pop_front();
      running_.push_back(&seq);
      budget -= output.scheduled.back().num_new_tokens;
    }
  }
  return output;
}

std::vector<SequenceUpdate> Scheduler::update(const SchedulerOutput& output,
                                              std::span<const int32_t> sampled_token_ids) {
  std::vector<SequenceUpdate> updates;
  updates.reserve(output.scheduled.size());
  size_t next_sample = 0;
  for (const ScheduledSequence& s : output.scheduled) {
    const int32_t token_id = s.samples ? sampled_token_ids[next_sample++] : -1;
    const auto it = sequences_.find(s.seq_id);
    if (it == sequences_.end()) continue;   // failed during the step
    Sequence& seq = *it->second;
    assert(seq.status() == SequenceStatus::kRunning && seq.num_computed_tokens() == s.num_computed_tokens);
    seq.add_computed_tokens(s.num_new_tokens);
    const int64_t prompt_end = seq.num_prompt_tokens();
    counters_.prompt_tokens_computed +=
        std::max<int64_t>(0, std::min<int64_t>(seq.num_computed_tokens(), prompt_end) -
                                 std::min<int64_t>(s.num_computed_tokens, prompt_end));
    block_manager_.cache_full_blocks(seq.block_table(), seq.token_ids(), seq.num_computed_tokens(),
                                     seq.prefix_cursor());
    SequenceUpdate u;
    u.seq_id = s.seq_id;
    u.token_id = token_id;
    u.num_cached_prompt_tokens = seq.num_cached_prompt_tokens();
    if (s.samples) {
      assert(token_id >= 0);
      seq.append_token(token_id);
      counters_.generation_tokens += 1;
      const auto& stops = seq.params().all_stop_token_ids;
      const bool stop = std::find(stops.begin(), stops.end(), token_id) != stops.end() &&
                        seq.num_output_tokens() > seq.params().min_tokens;
      if (stop)
        u.finish_reason = FinishReason::kStop;
      else if (seq.num_tokens() >= seq.max_num_tokens())
        u.finish_reason = FinishReason::kLength;
    }
    if (u.finish_reason) {
      running_.erase(std::find(running_.begin(), running_.end(), &seq));
      finish(seq, *u.finish_reason);
      sequences_.erase(it);
    }
    updates.push_back(u);
  }
  assert(next_sample == sampled_token_ids.size());
  return updates;
}

void Scheduler::check_invariants() const {
  auto fail = [](const std::string& m) { throw std::logic_error("Scheduler invariant: " + m); };
  std::vector<std::span<const int32_t>> tables;
  for (const Sequence* s : running_) {
    if (s->status() != SequenceStatus::kRunning) fail("a running-queue sequence is not RUNNING");
    if (block_manager_.blocks_for(s->num_computed_tokens()) > static_cast<int64_t>(s->block_table().size()))
      fail("sequence " + std::to_string(s->seq_id()) + " has computed tokens beyond its blocks");
    tables.push_back(s->block_table());
  }
  for (const Sequence* s : waiting_) {
    if (s->status() != SequenceStatus::kWaiting) fail("a waiting-queue sequence is not WAITING");
    if (!s->block_table().empty() || s->num_computed_tokens() != 0) fail("a waiting sequence holds blocks");
  }
  if (running_.size() + waiting_.size() != sequences_.size()) fail("live sequences are not all queued");
  if (static_cast<int64_t>(running_.size()) > limits_.max_num_seqs) fail("more running than max_num_seqs");
  block_manager_.check_invariants(tables);
}

}  // namespace edgeserve
