#pragma once
// GraphOpLog: the host bookkeeping behind one CUDA graph of a step (step_graphs.h). A graph replays the
// kernels it captured with the arguments it captured, so a later step may reuse it only if it issues the
// same ops on the same tensors; only the values of the step's metadata (token ids, positions, slots, block
// tables) may change, and those go through a fixed arena that the graph reads. The log keeps, per op, a
// signature of everything the op bakes into its launches and where its metadata lives in the arena, and
// checks a replaying step against it op by op.
//
// The arena is small because ops of one step share metadata: every layer's attention reads the same
// block tables, every layer's rope the same positions. An op whose spans are the very host memory of an
// earlier op of the same step (same addresses and sizes: the ForwardBatch is not changed during a step)
// shares that op's slot. A replay checks that the sharing still holds, so equal bytes by coincidence never
// alias.
// Plain C++ (no CUDA header): unit-tested on the host (tests/cuda/test_graph_op_log.cpp).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "engine/backend/backend.h"

namespace edgeserve::cuda {

// One host span an op uploads: where it lies and how many bytes it has.
struct SpanRef {
  const void* host = nullptr;
  size_t nbytes = 0;
  bool operator==(const SpanRef&) const = default;
};

// Most spans one op uploads (attention: query_start, context_lens, block_tables).
inline constexpr size_t kMaxOpSpans = 4;

// A hash of the values an op bakes into its launches (op kind, tensor addresses and shapes, scalars,
// metadata sizes, launch plans). Every op of every step computes one, so it takes a value a word at a time:
// each word is scrambled on its own (splitmix64's finalizer), then folded in FNV-style with one multiply.
class OpSignature {
 public:
  explicit OpSignature(uint64_t op_kind) { add(op_kind); }
  OpSignature& add(uint64_t value) {
    value ^= value >> 30;
    value *= 0xbf58476d1ce4e5b9ull;
    value ^= value >> 27;
    value *= 0x94d049bb133111ebull;
    value ^= value >> 31;
    hash_ = (hash_ ^ value) * 1099511628211ull;
    return *this;
  }
  OpSignature& add(const void* pointer) { return add(static_cast<uint64_t>(reinterpret_cast<uintptr_t>(pointer))); }
  OpSignature& add(double value) {
    uint64_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    return add(bits);
  }
  OpSignature& add(const DeviceTensor& t) {
    add(t.data).add(static_cast<uint64_t>(t.dtype)).add(static_cast<uint64_t>(t.ndim));
    for (int32_t i = 0; i < t.ndim; ++i) add(static_cast<uint64_t>(t.shape[i]));
    return *this;
  }
  uint64_t value() const { return hash_; }

 private:
  uint64_t hash_ = 14695981039346656037ull;
};

class GraphOpLog {
 public:
  // Where an op's packed metadata goes in the arena. write: false when an earlier op of the step already
  // placed the same spans there (or the op has none).
  struct Slot {
    size_t offset = 0;
    bool write = false;
  };

  // Recording: the first step under a key logs its ops in order. Forgets any earlier log.
  void clear();
  // Logs the next op: its signature, its spans (at most kMaxOpSpans) and the bytes they pack into.
  Slot record(uint64_t signature, std::span<const SpanRef> spans, size_t nbytes);

  // Replaying: a later step is checked against the log op by op.
  void begin_replay() { cursor_ = 0; }
  // The slot of the next op, or nullopt when the op differs from the logged one (another signature, size or
  // span sizes, more ops than logged, or spans that no longer alias the op it shared a slot with).
  std::optional<Slot> replay(uint64_t signature, std::span<const SpanRef> spans, size_t nbytes);
  // Whether the replaying step issued exactly the logged ops.
  bool replay_complete() const { return cursor_ == ops_.size(); }

  size_t num_ops() const { return ops_.size(); }
  size_t arena_bytes() const { return arena_bytes_; }  // a multiple of kSlotAlignment

  static constexpr size_t kSlotAlignment = 16;

 private:
  struct LoggedOp {
    uint64_t signature = 0;
    size_t nbytes = 0;
    size_t offset = 0;
    int64_t shares = -1;  // the earlier op whose slot (and spans) this one shares; -1: its own slot
    size_t num_spans = 0;
  };
  using Spans = std::array<SpanRef, kMaxOpSpans>;
  static Spans pack_spans(std::span<const SpanRef> spans);

  std::vector<LoggedOp> ops_;
  std::vector<Spans> spans_;  // [num_ops] each op's spans in the step being recorded or replayed
  size_t arena_bytes_ = 0;
  size_t cursor_ = 0;
};

}  // namespace edgeserve::cuda
