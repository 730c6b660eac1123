#pragma once
// FreeBlockQueue: the blocks nobody references, in eviction order (front = taken first). An intrusive doubly
// linked list over block ids (two int32 arrays), so a cached free block that a new request reuses leaves the
// queue in O(1) from anywhere. Owns only the link arrays; which blocks are free is the BlockManager's call.
#include <cassert>
#include <cstdint>
#include <vector>

namespace edgeserve {

class FreeBlockQueue {
 public:
  static constexpr int32_t kNone = -1;

  // All blocks 0..num_blocks-1 start free, in id order.
  explicit FreeBlockQueue(int32_t num_blocks)
      : prev_(static_cast<size_t>(num_blocks)), next_(static_cast<size_t>(num_blocks)),
        in_queue_(static_cast<size_t>(num_blocks), true), size_(num_blocks) {
    for (int32_t b = 0; b < num_blocks; ++b) {
      prev_[static_cast<size_t>(b)] = b - 1;
      next_[static_cast<size_t>(b)] = b + 1 < num_blocks ? b + 1 : kNone;
    }
    head_ = num_blocks > 0 ? 0 : kNone;
    tail_ = num_blocks > 0 ? num_blocks - 1 : kNone;
  }

  int32_t size() const { return size_; }
  bool contains(int32_t block) const { return in_queue_[static_cast<size_t>(block)]; }
  int32_t front() const { return head_; }
  int32_t next(int32_t block) const { return next_[static_cast<size_t>(block)]; }

  // Takes the block to evict next.  size -> size - 1
  int32_t pop_front() {
    assert(head_ != kNone);
    const int32_t block = head_;
    remove(block);
    return block;
  }

  // Queues a block to be taken first (it holds nothing worth keeping).  size -> size + 1
  void push_front(int32_t block) {
    assert(!contains(block));
    link(block, kNone, head_);
  }

  // Queues a block to be taken last (most recently used cached block).  size -> size + 1
  void push_back(int32_t block) {
    assert(!contains(block));
    link(block, tail_, kNone);
  }

  // Unlinks a block from anywhere in the queue.  size -> size - 1
  void remove(int32_t block) {
    assert(contains(block));
    const int32_t p = prev_[static_cast<size_t>(block)];
    const int32_t n = next_[static_cast<size_t>(block)];
    (p == kNone ? head_ : next_[static_cast<size_t>(p)]) = n;
    (n == kNone ? tail_ : prev_[static_cast<size_t>(n)]) = p;
    in_queue_[static_cast<size_t>(block)] = false;
    size_ -= 1;
  }

 private:
  void link(int32_t block, int32_t p, int32_t n) {
    prev_[static_cast<size_t>(block)] = p;
    next_[static_cast<size_t>(block)] = n;
    (p == kNone ? head_ : next_[static_cast<size_t>(p)]) = block;
    (n == kNone ? tail_ : prev_[static_cast<size_t>(n)]) = block;
    in_queue_[static_cast<size_t>(block)] = true;
    size_ += 1;
  }

  std::vector<int32_t> prev_, next_;
  std::vector<bool> in_queue_;
  int32_t head_ = kNone, tail_ = kNone;
  int32_t size_ = 0;
};

}  // namespace edgeserve
