#pragma once
// Helpers for scripted scheduler scenarios: sequences with distinct token ids and a compact view of a step.
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "scheduler/scheduler.h"

namespace edgeserve::test {

inline constexpr int32_t kEos = 2;

// A sequence whose prompt is `prompt_len` tokens seq_id*1000 + 10.. (no accidental prefix hits), stopping on
// kEos, with `max_tokens` output tokens and a context of `max_model_len`.
inline std::unique_ptr<Sequence> make_sequence(int64_t seq_id, int32_t prompt_len, int64_t max_tokens,
                                               int64_t max_model_len = 1 << 20) {
  std::vector<int32_t> prompt(static_cast<size_t>(prompt_len));
  std::iota(prompt.begin(), prompt.end(), static_cast<int32_t>(seq_id * 1000 + 10));
  SamplingParams params;
  params.max_tokens = max_tokens;
  params.all_stop_token_ids = {kEos};
  const int64_t max_num_tokens = std::min<int64_t>(max_model_len, prompt_len + max_tokens);
  return std::make_unique<Sequence>(seq_id, std::move(prompt), params, max_num_tokens);
}

// "id:computed+new[s]" per scheduled sequence, e.g. "1:0+7s 2:0+3"; s marks a sampling sequence.
inline std::string describe(const SchedulerOutput& out) {
  std::string s;
  for (const auto& seq : out.scheduled) {
    if (!s.empty()) s += ' ';
    s += std::to_string(seq.seq_id) + ":" + std::to_string(seq.num_computed_tokens) + "+" +
         std::to_string(seq.num_new_tokens) + (seq.samples ? "s" : "");
  }
  return s;
}

inline std::vector<int32_t> table(const SchedulerOutput& out, int64_t seq_id) {
  for (const auto& seq : out.scheduled)
    if (seq.seq_id == seq_id) return {seq.block_table.begin(), seq.block_table.end()};
  return {};
}

}  // namespace edgeserve::test
