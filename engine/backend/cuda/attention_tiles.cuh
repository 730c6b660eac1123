#pragma once
// The geometry of tiled paged attention (tiled_attention.cuh) and the host-side tile list its launch reads.
// A thread block of the tiled kernel computes kQueries query vectors (row r, query head h): up to
// rows_per_tile consecutive new-token rows of ONE sequence times the query heads of one KV head's GQA group
// (a chunk of at most kQueries heads when the group is larger). Every chunk of keys the block reads
// (K and V widened to F32 in shared memory) serves all of them, so a prefill of q_len rows reads each K/V
// vector about q_len * group / kQueries times fewer than one block per (row, head) would.
//
// The tile list is plain host arithmetic over query_start (build_attention_tiles): tiles never cross a
// sequence, so a decode step of B sequences (one new row each) has exactly B tiles whatever the contexts,
// which the CUDA graphs of padded decode steps need (the tile count is part of the op's signature).
// Plain C++ apart from the __host__ __device__ marks: the CudaBackend, the kernel and host-only tests include
// it. It launches nothing and allocates only the caller's tile vector.
#include <cassert>
#include <cstdint>
#include <span>
#include <vector>

#if defined(__CUDACC__)
#define ES_TILE_HD __host__ __device__
#else
#define ES_TILE_HD
#endif

namespace edgeserve::cuda::tiled {

inline constexpr int kWarps = 4;
inline constexpr int kThreads = kWarps * 32;
inline constexpr int kQueries = 16;                        // query vectors per thread block
inline constexpr int kQueriesPerWarp = kQueries / kWarps;  // each warp keeps these vectors' softmax state
inline constexpr int kTileInts = 3;                        // one tile: sequence, first new-token row, rows
inline constexpr int64_t kDefaultSharedBytes = 48 * 1024;  // dynamic shared memory without the opt-in attribute

// Query heads one block takes from a GQA group of `group` heads, and how many blocks (chunks) a group needs.
ES_TILE_HD constexpr int64_t heads_per_chunk(int64_t group) { return group < kQueries ? group : kQueries; }
ES_TILE_HD constexpr int64_t head_chunks(int64_t group) { return (group + kQueries - 1) / kQueries; }
// Rows per tile: as many as fill kQueries vectors with the chunk's heads (>= 1; 16 for plain multi-head).
ES_TILE_HD constexpr int64_t rows_per_tile(int64_t group) { return kQueries / heads_per_chunk(group); }

// Accumulator values per lane (a warp covers head_dim in lanes of 32): a compile-time size of the kernel,
// 2, 4, 8 or 16 (head_dim <= 64, 128, 256, 512).
ES_TILE_HD constexpr int dims_per_lane(int64_t head_dim) {
  return head_dim <= 64 ? 2 : head_dim <= 128 ? 4 : head_dim <= 256 ? 8 : 16;
}
// Keys per chunk: 32 (one lane per key) up to head_dim 128; 8 (four lanes per key, each a quarter of the
// dimensions) above, so that head_dim 256 still fits the default 48 KiB of shared memory.
ES_TILE_HD constexpr int key_chunk(int dims) { return dims <= 4 ? 32 : 8; }

// Floats between two keys' rows in the K chunk. Lane (slice s, key j) of a warp reads K[j][s + slices * m]
// for slices = 32 / keys; a stride of slices * (odd number) puts the 32 lanes on 32 distinct banks.
ES_TILE_HD constexpr int64_t key_stride(int64_t head_dim, int keys) {
  const int64_t slices = 32 / keys;
  int64_t stride = (head_dim + slices - 1) / slices * slices;
  if ((stride / slices) % 2 == 0) stride += slices;
  return stride;
}

// Dynamic shared memory of one block, in floats, laid out in this order:
//   slots [keys] int64 (2 floats each): cache slot of each key of the next chunk, -1 past the tile's keys
//   q     [kQueries, head_dim]          the block's query vectors (zero rows for unused vectors)
//   k     [keys, key_stride]            the chunk's keys, F32
//   v     [keys, head_dim]              the chunk's values, F32
//   p     [kWarps, kQueriesPerWarp, keys] softmax weights of the chunk, per warp and query vector
ES_TILE_HD constexpr int64_t shared_floats(int64_t head_dim, int keys) {
  return 2 * keys + kQueries * head_dim + keys * key_stride(head_dim, keys) + keys * head_dim + kQueries * keys;
}
ES_TILE_HD constexpr int64_t shared_bytes(int64_t head_dim) {
  return shared_floats(head_dim, key_chunk(dims_per_lane(head_dim))) * 4;
}

// The tiles of one launch: for each sequence s (q_len = query_start[s + 1] - query_start[s] new rows),
// ceil(q_len / rows_per_tile) tiles (s, first_row, rows), in batch order; sequences without new rows get
// none. Overwrites `tiles` ([num_tiles, kTileInts], its capacity reused) and returns num_tiles.
// Preconditions (asserted; CudaBackend checked the metadata): query_start non-empty, non-decreasing from 0;
// rows_per_tile >= 1.
inline int64_t build_attention_tiles(std::span<const int32_t> query_start, int64_t rows_per_tile,
                                     std::vector<int32_t>& tiles) {
  assert(!query_start.empty() && query_start[0] == 0 && rows_per_tile >= 1);
  tiles.clear();
  for (size_t s = 0; s + 1 < query_start.size(); ++s) {
    const int64_t q_len = int64_t{query_start[s + 1]} - query_start[s];
    assert(q_len >= 0);
    for (int64_t first = 0; first < q_len; first += rows_per_tile) {
      tiles.push_back(static_cast<int32_t>(s));
      tiles.push_back(static_cast<int32_t>(first));
      tiles.push_back(static_cast<int32_t>(q_len - first < rows_per_tile ? q_len - first : rows_per_tile));
    }
  }
  return static_cast<int64_t>(tiles.size()) / kTileInts;
}

}  // namespace edgeserve::cuda::tiled
