#pragma once
// BlockManager: the KV cache's logical blocks -- free queue, reference counts, and automatic prefix caching.
// Pure bookkeeping on block ids; it never touches tensor memory (kv_cache sizes that, the backend owns it).
//
// Prefix caching (vLLM's automatic prefix caching): once a block is full of computed tokens it is keyed by
// (key of its parent block, its block_size token ids) and entered in a hash table. A new sequence whose
// tokens start with cached blocks takes them (ref + 1) instead of computing them again. A block nobody
// references stays cached in the free queue until it is evicted, least recently freed first (uncached free
// blocks go before any cached one). Lookups never trust the hash alone: a hit must match the parent block id,
// the parent's generation (bumped each time a block is reused for new contents) and every token id, so a
// hash collision or a stale child of an evicted parent is a miss, never another prompt's KV.
// Not thread-safe: the engine thread alone owns it.
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "kvcache/free_block_queue.h"

namespace edgeserve {

// Where a sequence's chain of cached blocks stands: how many of its leading blocks have been offered to the
// cache and which block keys the next one. Kept by each sequence; reset when it loses its blocks.
struct PrefixCacheCursor {
  int32_t num_cached_blocks = 0;   // leading blocks already registered (or found) in the cache
  int32_t parent_block = -1;       // block that keys the next one; -1: the next is the first block
  uint32_t parent_generation = 0;  // parent_block's generation when it was keyed
};

// A lookup result: cached blocks that start the tokens, and the cursor to continue from them.
struct CachedPrefix {
  std::vector<int32_t> blocks;
  PrefixCacheCursor cursor;
  int64_t num_tokens(int32_t block_size) const { return static_cast<int64_t>(blocks.size()) * block_size; }
};

class BlockManager {
 public:
  BlockManager(int32_t num_blocks, int32_t block_size, bool enable_prefix_caching);

  int32_t num_blocks() const { return num_blocks_; }
  int32_t block_size() const { return block_size_; }
  bool prefix_caching_enabled() const { return enable_prefix_caching_; }
  // Blocks nobody references (cached ones included: they are evictable).
  int32_t num_free_blocks() const { return free_queue_.size(); }
  // Fraction of blocks referenced by some sequence.
  double usage() const;
  int32_t ref_count(int32_t block) const { return blocks_[static_cast<size_t>(block)].ref_count; }
  bool is_cached(int32_t block) const { return blocks_[static_cast<size_t>(block)].cached; }
  int32_t num_cached_blocks() const { return static_cast<int32_t>(cache_.size()); }
  // Blocks needed to hold `num_tokens` tokens.
  int64_t blocks_for(int64_t num_tokens) const { return (num_tokens + block_size_ - 1) / block_size_; }

  // The longest run of cached full blocks that starts `token_ids`, covering at most `max_tokens` tokens.
  // Changes nothing (the blocks are taken by allocate_slots). Empty when prefix caching is off.
  CachedPrefix find_cached_prefix(std::span<const int32_t> token_ids, int64_t max_tokens) const;

  // Grows `block_table` so it covers `num_tokens` slots: first appends `cached_blocks` (ref + 1; a free one
  // leaves the free queue), then blocks from the free queue (evicting their cached contents). Returns false
  // and changes nothing when the free blocks do not suffice.
  // Precondition: cached_blocks is empty unless block_table is (a fresh sequence's prefix hit).
  bool allocate_slots(std::vector<int32_t>& block_table, std::span<const int32_t> cached_blocks,
                      int64_t num_tokens);

  // Offers the cache every block of `block_table` that is now full of computed tokens
  // (token_ids[0, num_computed_tokens)) and was not offered yet; advances `cursor`. A block whose key is
  // already cached in another block stays uncached (the chain continues through the cached one).
  void cache_full_blocks(std::span<const int32_t> block_table, std::span<const int32_t> token_ids,
                         int64_t num_computed_tokens, PrefixCacheCursor& cursor);

  // Releases a sequence's blocks (ref - 1) and clears the table. Blocks that reach zero join the free
  // queue: uncached ones at the front, cached ones at the back with the table's tail first, so a prompt's
  // last blocks are evicted before its first ones (which more requests share).
  void free(std::vector<int32_t>& block_table);

  // Evicts every cached free block (the cache forgets them; they stay free). Returns how many.
  int32_t reset_prefix_cache();

  // Throws std::logic_error naming the first broken invariant: ref counts equal the occurrences in
  // `block_tables` (all live sequences), the free queue holds exactly the unreferenced blocks, every cache
  // entry points at a cached block carrying that key.
  void check_invariants(std::span<const std::span<const int32_t>> block_tables) const;

 private:
  struct BlockState {
    int32_t ref_count = 0;
    bool cached = false;          // in cache_ under `hash`
    uint32_t generation = 0;      // bumped whenever the block is taken for new contents
    uint64_t hash = 0;
    int32_t parent_block = -1;    // key of the cached contents (with parent_generation and the tokens)
    uint32_t parent_generation = 0;
  };

  uint64_t block_hash(int32_t parent_block, uint32_t parent_generation, std::span<const int32_t> tokens) const;
  // The cached block with exactly this key, or -1.
  int32_t lookup(uint64_t hash, int32_t parent_block, uint32_t parent_generation,
                 std::span<const int32_t> tokens) const;
  int32_t take_free_block();      // pops the free queue, evicting the block's cached key
  void evict(int32_t block);      // forgets a cached block's key
  std::span<const int32_t> block_tokens(int32_t block) const;

  int32_t num_blocks_;
  int32_t block_size_;
  bool enable_prefix_caching_;
  std::vector<BlockState> blocks_;
  std::vector<int32_t> tokens_;   // [num_blocks, block_size] token ids of cached blocks
  FreeBlockQueue free_queue_;
  std::unordered_map<uint64_t, int32_t> cache_;  // block hash -> cached block
};

}  // namespace edgeserve
