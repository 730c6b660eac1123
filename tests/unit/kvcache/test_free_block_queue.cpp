// FreeBlockQueue against a std::deque model of the same operations (exact order after every step).
#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <random>

#include "kvcache/free_block_queue.h"

using edgeserve::FreeBlockQueue;

namespace {

std::deque<int32_t> walk(const FreeBlockQueue& q) {
  std::deque<int32_t> out;
  for (int32_t b = q.front(); b != FreeBlockQueue::kNone; b = q.next(b)) out.push_back(b);
  return out;
}

}  // namespace

TEST_CASE("free queue starts with every block in id order", "[kvcache]") {
  FreeBlockQueue q(4);
  CHECK(q.size() == 4);
  CHECK(walk(q) == std::deque<int32_t>{0, 1, 2, 3});
}

TEST_CASE("free queue pop, push_front, push_back and remove keep the order", "[kvcache]") {
  FreeBlockQueue q(5);
  CHECK(q.pop_front() == 0);
  CHECK(q.pop_front() == 1);
  q.remove(3);
  CHECK(walk(q) == std::deque<int32_t>{2, 4});
  q.push_back(1);
  q.push_front(3);
  CHECK(walk(q) == std::deque<int32_t>{3, 2, 4, 1});
  q.remove(3);
  q.remove(1);
  CHECK(walk(q) == std::deque<int32_t>{2, 4});
  CHECK(q.contains(2));
  CHECK_FALSE(q.contains(3));
  q.remove(2);
  q.remove(4);
  CHECK(q.size() == 0);
  CHECK(q.front() == FreeBlockQueue::kNone);
  q.push_back(0);
  CHECK(walk(q) == std::deque<int32_t>{0});
}

TEST_CASE("free queue matches a deque model over random operations", "[kvcache]") {
  constexpr int32_t kBlocks = 32;
  FreeBlockQueue q(kBlocks);
  std::deque<int32_t> model;
  for (int32_t b = 0; b < kBlocks; ++b) model.push_back(b);
  std::vector<int32_t> taken;
  std::mt19937 rng(7);
  for (int step = 0; step < 5000; ++step) {
    const int op = static_cast<int>(rng() % 4);
    if (op == 0 && !model.empty()) {
      CHECK(q.pop_front() == model.front());
      taken.push_back(model.front());
      model.pop_front();
    } else if (op == 1 && !model.empty()) {
      const int32_t b = model[rng() % model.size()];
      q.remove(b);
      model.erase(std::find(model.begin(), model.end(), b));
      taken.push_back(b);
    } else if (!taken.empty()) {
      const size_t i = rng() % taken.size();
      const int32_t b = taken[i];
      taken.erase(taken.begin() + static_cast<std::ptrdiff_t>(i));
      if (op == 2) {
        q.push_back(b);
        model.push_back(b);
      } else {
        q.push_front(b);
        model.push_front(b);
      }
    }
    REQUIRE(q.size() == static_cast<int32_t>(model.size()));
  }
  CHECK(walk(q) == model);
}
