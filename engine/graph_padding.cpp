// Graph padding (engine/graph_padding.h): the bucketing of decode steps into the shapes a step graph replays.
#include "engine/graph_padding.h"

#include <algorithm>
#include <bit>
#include <cassert>

namespace edgeserve {

std::vector<int32_t> graph_batch_sizes_upto(std::span<const int32_t> backend_sizes, int32_t max_batch) {
  assert(std::is_sorted(backend_sizes.begin(), backend_sizes.end()));
  std::vector<int32_t> sizes;
  if (backend_sizes.empty() || max_batch < 1) return sizes;
  for (const int32_t size : backend_sizes)
    if (size >= 1 && size <= max_batch) sizes.push_back(size);
  if (sizes.empty() || sizes.back() != max_batch) sizes.push_back(max_batch);
  return sizes;
}

namespace {

// A decode step the padding can represent: one token per sequence, every sequence sampling in order.
bool is_padded_decode_eligible(const ForwardBatch& batch, std::span<const int32_t> batch_sizes) {
  const int32_t num_seqs = batch.num_seqs();
  if (batch_sizes.empty() || num_seqs < 1 || num_seqs > batch_sizes.back()) return false;
  if (batch.num_tokens() != num_seqs || batch.query_start.size() != static_cast<size_t>(num_seqs) + 1) return false;
  if (batch.logits_rows.size() != static_cast<size_t>(num_seqs)) return false;
  for (int32_t s = 0; s <= num_seqs; ++s)
    if (batch.query_start[static_cast<size_t>(s)] != s) return false;
  for (int32_t i = 0; i < num_seqs; ++i)
    if (batch.logits_rows[static_cast<size_t>(i)] != i) return false;
  return true;
}

}  // namespace

std::optional<uint64_t> pad_decode_batch(const ForwardBatch& batch, std::span<const int32_t> batch_sizes,
                                         ForwardBatch& padded) {
  assert(std::is_sorted(batch_sizes.begin(), batch_sizes.end()));
  if (!is_padded_decode_eligible(batch, batch_sizes)) return std::nullopt;
  const int32_t num_seqs = batch.num_seqs();
  assert(batch.max_blocks_per_seq >= 0 &&
         batch.block_tables.size() == static_cast<size_t>(num_seqs) * static_cast<size_t>(batch.max_blocks_per_seq));
  assert(batch.positions.size() == batch.token_ids.size() && batch.slot_mapping.size() == batch.token_ids.size());

  const int32_t batch_size = *std::lower_bound(batch_sizes.begin(), batch_sizes.end(), num_seqs);
  const auto width = static_cast<int32_t>(std::bit_ceil(static_cast<uint32_t>(std::max(1, batch.max_blocks_per_seq))));
  const auto num_real = static_cast<size_t>(num_seqs);
  const auto num_rows = static_cast<size_t>(batch_size);

  // Real rows first, then padding rows: token 0 at position 0, stored nowhere (slot < 0), seeing one key
  // (context 1 - q_len 1 + row 0 == position 0: the attention invariant holds for them too).
  padded.token_ids.assign(batch.token_ids.begin(), batch.token_ids.end());
  padded.token_ids.resize(num_rows, 0);
  padded.positions.assign(batch.positions.begin(), batch.positions.end());
  padded.positions.resize(num_rows, 0);
  padded.slot_mapping.assign(batch.slot_mapping.begin(), batch.slot_mapping.end());
  padded.slot_mapping.resize(num_rows, -1);
  padded.query_start.resize(num_rows + 1);
  for (size_t s = 0; s <= num_rows; ++s) padded.query_start[s] = static_cast<int32_t>(s);
  padded.context_lens.assign(batch.context_lens.begin(), batch.context_lens.end());
  padded.context_lens.resize(num_rows, 1);

  // [B, W] row-major: each real row's first max_blocks_per_seq entries, zeros elsewhere (block 0 for the
  // padding rows; never read past context_lens for the real ones).
  padded.block_tables.assign(num_rows * static_cast<size_t>(width), 0);
  const auto old_width = static_cast<size_t>(batch.max_blocks_per_seq);
  for (size_t s = 0; s < num_real; ++s)
    std::copy_n(batch.block_tables.begin() + static_cast<std::ptrdiff_t>(s * old_width), old_width,
                padded.block_tables.begin() + static_cast<std::ptrdiff_t>(s * static_cast<size_t>(width)));
  padded.max_blocks_per_seq = width;

  padded.logits_rows.resize(num_rows);
  for (size_t i = 0; i < num_rows; ++i) padded.logits_rows[i] = static_cast<int32_t>(i);
  padded.sampling_seqs.assign(batch.sampling_seqs.begin(), batch.sampling_seqs.end());
  for (size_t i = batch.sampling_seqs.size(); i < num_rows; ++i)
    padded.sampling_seqs.push_back(static_cast<int32_t>(i));
  return graph_key(batch_size, width);
}

}  // namespace edgeserve
