#pragma once
// Graph padding: turns a decode step into one of a few fixed shapes so that a backend with step graphs
// (Backend::graph_batch_sizes, CUDA graphs) can replay a recording instead of launching every op. A CUDA
// graph replays fixed shapes: the same kernels over the same buffers with the same sizes. So the batch
// size is bucketed up to one of the backend's sizes (padding rows that compute garbage nobody reads), and
// the block-table width is rounded up to a power of two, which keeps the number of (batch, width) keys, and
// so of recordings, small as sequences grow.
// Pure functions over host arrays; no backend, no allocation beyond the output vectors' first growth.
// Must not decide whether graphs are used (ModelRunner does) nor touch the KV cache.
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/forward_batch.h"

namespace edgeserve {

// The backend's graph batch sizes (ascending) that are <= max_batch, plus max_batch itself when it is not
// among them, so that every decode batch of 1..max_batch sequences has a bucket. Empty in, empty out (the
// backend has no graphs).
std::vector<int32_t> graph_batch_sizes_upto(std::span<const int32_t> backend_sizes, int32_t max_batch);

// The graph key of a padded shape: batch size B in the high 32 bits, block-table width W in the low.
inline uint64_t graph_key(int32_t batch_size, int32_t block_table_width) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(batch_size)) << 32) |
         static_cast<uint64_t>(static_cast<uint32_t>(block_table_width));
}

// Pads a pure decode step to B = the smallest of `batch_sizes` (ascending) >= S sequences, its block table
// to W = the smallest power of two >= max(1, max_blocks_per_seq), and writes it to `padded` (whose vectors
// keep their capacity). Eligible: batch_sizes non-empty, 1 <= S <= batch_sizes.back(), one new token per
// sequence (query_start[s] == s), and every sequence samples in order (logits_rows == 0..S-1). Padding rows
// are one-token sequences at position 0 of block 0 that store nothing (slot -1) and attend to one key;
// they sample too (logits_rows == 0..B-1) so that lm_head's shape is fixed; the caller copies out only the
// first S logits rows. Returns graph_key(B, W), or nullopt (ineligible; `padded` untouched).
std::optional<uint64_t> pad_decode_batch(const ForwardBatch& batch, std::span<const int32_t> batch_sizes,
                                         ForwardBatch& padded);

}  // namespace edgeserve
