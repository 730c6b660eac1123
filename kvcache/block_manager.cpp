#include "kvcache/block_manager.h"

#include <algorithm>
#include <cassert>
#include <stdexcept>
#include <string>

namespace edgeserve {

namespace {

// splitmix64's finalizer: a cheap full-avalanche mix for the bucket hash (exactness comes from the key check).
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

void fail(const std::string& message) { throw std::logic_error("BlockManager invariant: " + message); }

}  // namespace

BlockManager::BlockManager(int32_t num_blocks, int32_t block_size, bool enable_prefix_caching)
    : num_blocks_(num_blocks), block_size_(block_size), enable_prefix_caching_(enable_prefix_caching),
      blocks_(static_cast<size_t>(num_blocks)),
      tokens_(enable_prefix_caching ? static_cast<size_t>(num_blocks) * static_cast<size_t>(block_size) : 0),
      free_queue_(num_blocks) {
  assert(num_blocks > 0 && block_size > 0);
  cache_.reserve(static_cast<size_t>(num_blocks));
}

double BlockManager::usage() const {
  return 1.0 - static_cast<double>(free_queue_.size()) / static_cast<double>(num_blocks_);
}

uint64_t BlockManager::block_hash(int32_t parent_block, uint32_t parent_generation,
                                  std::span<const int32_t> tokens) const {
  uint64_t h = mix((static_cast<uint64_t>(static_cast<uint32_t>(parent_block)) << 32) | parent_generation);
  for (int32_t t : tokens) h = mix(h ^ static_cast<uint32_t>(t));
  return h;
}

std::span<const int32_t> BlockManager::block_tokens(int32_t block) const {
  return std::span<const int32_t>(tokens_).subspan(static_cast<size_t>(block) * static_cast<size_t>(block_size_),
                                                   static_cast<size_t>(block_size_));
}

int32_t BlockManager::lookup(uint64_t hash, int32_t parent_block, uint32_t parent_generation,
                             std::span<const int32_t> tokens) const {
  const auto it = cache_.find(hash);
  if (it == cache_.end()) return -1;
  const int32_t block = it->second;
  const BlockState& s = blocks_[static_cast<size_t>(block)];
  if (s.parent_block != parent_block || s.parent_generation != parent_generation) return -1;
  const auto cached = block_tokens(block);
  if (!std::equal(cached.begin(), cached.end(), tokens.begin(), tokens.end())) return -1;
  return block;
}

CachedPrefix BlockManager::find_cached_prefix(std::span<const int32_t> token_ids, int64_t max_tokens) const {
  CachedPrefix prefix;
  if (!enable_prefix_caching_) return prefix;
  const int64_t max_blocks = std::min<int64_t>(max_tokens, static_cast<int64_t>(token_ids.size())) / block_size_;
  for (int64_t i = 0; i < max_blocks; ++i) {
    const auto tokens = token_ids.subspan(static_cast<size_t>(i * block_size_), static_cast<size_t>(block_size_));
    PrefixCacheCursor& c = prefix.cursor;
    const int32_t block = lookup(block_hash(c.parent_block, c.parent_generation, tokens), c.parent_block,
                                 c.parent_generation, tokens);
    if (block < 0) break;
    prefix.blocks.push_back(block);
    c.num_cached_blocks += 1;
    c.parent_block = block;
    c.parent_generation = blocks_[static_cast<size_t>(block)].generation;
  }
  return prefix;
}

void BlockManager::evict(int32_t block) {
  BlockState& s = blocks_[static_cast<size_t>(block)];
  assert(s.cached);
  const auto it = cache_.find(s.hash);
  assert(it != cache_.end() && it->second == block);
  cache_.erase(it);
  s.cached = false;
}

int32_t BlockManager::take_free_block() {
  const int32_t block = free_queue_.pop_front();
  BlockState& s = blocks_[static_cast<size_t>(block)];
  assert(s.ref_count == 0);
  if (s.cached) evict(block);
  s.generation += 1;   // new contents: children keyed by the old ones can no longer match
  s.ref_count = 1;
  return block;
}

bool BlockManager::allocate_slots(std::vector<int32_t>& block_table, std::span<const int32_t> cached_blocks,
                                  int64_t num_tokens) {
  assert(cached_blocks.empty() || block_table.empty());
  const int64_t have = static_cast<int64_t>(block_table.size() + cached_blocks.size());
  const int64_t num_new = std::max<int64_t>(0, blocks_for(num_tokens) - have);
  int64_t num_cached_free = 0;   // cached blocks we take out of the free queue count against it
  for (int32_t b : cached_blocks) num_cached_free += blocks_[static_cast<size_t>(b)].ref_count == 0 ? 1 : 0;
  if (num_new + num_cached_free > free_queue_.size()) return false;

  for (int32_t b : cached_blocks) {
    BlockState& s = blocks_[static_cast<size_t>(b)];
    assert(s.cached);
    if (s.ref_count == 0) free_queue_.remove(b);
    s.ref_count += 1;
    block_table.push_back(b);
  }
  for (int64_t i = 0; i < num_new; ++i) block_table.push_back(take_free_block());
  return true;
}

void BlockManager::cache_full_blocks(std::span<const int32_t> block_table, std::span<const int32_t> token_ids,
                                     int64_t num_computed_tokens, PrefixCacheCursor& cursor) {
  if (!enable_prefix_caching_) return;
  assert(num_computed_tokens <= static_cast<int64_t>(token_ids.size()));
  const int64_t num_full = std::min<int64_t>(num_computed_tokens / block_size_,
                                             static_cast<int64_t>(block_table.size()));
  for (int64_t i = cursor.num_cached_blocks; i < num_full; ++i) {
    const int32_t block = block_table[static_cast<size_t>(i)];
    const auto tokens = token_ids.subspan(static_cast<size_t>(i * block_size_), static_cast<size_t>(block_size_));
    const uint64_t hash = block_hash(cursor.parent_block, cursor.parent_generation, tokens);
    int32_t keyed_by = block;   // the block whose key the next block chains from
    const int32_t existing = lookup(hash, cursor.parent_block, cursor.parent_generation, tokens);
    BlockState& s = blocks_[static_cast<size_t>(block)];
    if (existing >= 0) {
      keyed_by = existing;   // same contents computed twice: keep the first; chain on through it
    } else if (!s.cached && cache_.find(hash) == cache_.end()) {
      s.cached = true;
      s.hash = hash;
      s.parent_block = cursor.parent_block;
      s.parent_generation = cursor.parent_generation;
      std::copy(tokens.begin(), tokens.end(),
                tokens_.begin() + static_cast<std::ptrdiff_t>(static_cast<size_t>(block) * block_size_));
      cache_.emplace(hash, block);
    }
    // (a true 64-bit collision leaves the block uncached; its children then key off an unreachable parent)
    cursor.num_cached_blocks += 1;
    cursor.parent_block = keyed_by;
    cursor.parent_generation = blocks_[static_cast<size_t>(keyed_by)].generation;
  }
}

void BlockManager::free(std::vector<int32_t>& block_table) {
  for (auto it = block_table.rbegin(); it != block_table.rend(); ++it) {
    BlockState& s = blocks_[static_cast<size_t>(*it)];
    assert(s.ref_count > 0);
    s.ref_count -= 1;
    if (s.ref_count > 0) continue;
    if (s.cached)
      free_queue_.push_back(*it);
    else
      free_queue_.push_front(*it);
  }
  block_table.clear();
}

int32_t BlockManager::reset_prefix_cache() {
  int32_t count = 0;
  for (int32_t b = free_queue_.front(); b != FreeBlockQueue::kNone; b = free_queue_.next(b)) {
    if (!blocks_[static_cast<size_t>(b)].cached) continue;
    evict(b);
    blocks_[static_cast<size_t>(b)].generation += 1;
    count += 1;
  }
  return count;
}

void BlockManager::check_invariants(std::span<const std::span<const int32_t>> block_tables) const {
  std::vector<int32_t> refs(static_cast<size_t>(num_blocks_), 0);
  for (const auto& table : block_tables)
    for (int32_t b : table) {
      if (b < 0 || b >= num_blocks_) fail("block id " + std::to_string(b) + " out of range");
      refs[static_cast<size_t>(b)] += 1;
    }
  int32_t num_unreferenced = 0;
  for (int32_t b = 0; b < num_blocks_; ++b) {
    const BlockState& s = blocks_[static_cast<size_t>(b)];
    const std::string id = "block " + std::to_string(b);
    if (s.ref_count != refs[static_cast<size_t>(b)])
      fail(id + " has ref_count " + std::to_string(s.ref_count) + " but " +
           std::to_string(refs[static_cast<size_t>(b)]) + " block-table entries");
    if ((s.ref_count == 0) != free_queue_.contains(b)) fail(id + ": in the free queue iff unreferenced");
    num_unreferenced += s.ref_count == 0 ? 1 : 0;
    if (s.cached) {
      const auto it = cache_.find(s.hash);
      if (it == cache_.end() || it->second != b) fail(id + " is cached but not under its hash");
    }
  }
  if (num_unreferenced != free_queue_.size()) fail("free queue size differs from the unreferenced blocks");
  int32_t walked = 0;
  for (int32_t b = free_queue_.front(); b != FreeBlockQueue::kNone; b = free_queue_.next(b)) walked += 1;
  if (walked != free_queue_.size()) fail("free queue links do not match its size");
  for (const auto& [hash, block] : cache_) {
    const BlockState& s = blocks_[static_cast<size_t>(block)];
    if (!s.cached || s.hash != hash) fail("cache entry for block " + std::to_string(block) + " is stale");
  }
}

}  // namespace edgeserve
