// GraphOpLog: see graph_op_log.h. Host bookkeeping only.
#include "engine/backend/cuda/graph_op_log.h"

#include <algorithm>
#include <cassert>

namespace edgeserve::cuda {

GraphOpLog::Spans GraphOpLog::pack_spans(std::span<const SpanRef> spans) {
  assert(spans.size() <= kMaxOpSpans);
  Spans packed{};
  std::copy(spans.begin(), spans.end(), packed.begin());
  return packed;
}

void GraphOpLog::clear() {
  ops_.clear();
  spans_.clear();
  arena_bytes_ = 0;
  cursor_ = 0;
}

GraphOpLog::Slot GraphOpLog::record(uint64_t signature, std::span<const SpanRef> spans, size_t nbytes) {
  LoggedOp op;
  op.signature = signature;
  op.nbytes = nbytes;
  op.num_spans = spans.size();
  const Spans packed = pack_spans(spans);
  Slot slot;
  if (nbytes > 0) {
    // The first earlier op with the very same spans owns a slot holding these bytes (an owner never shares).
    for (size_t i = 0; i < ops_.size() && op.shares < 0; ++i)
      if (ops_[i].shares < 0 && ops_[i].nbytes == nbytes && ops_[i].num_spans == op.num_spans && spans_[i] == packed)
        op.shares = static_cast<int64_t>(i);
    if (op.shares >= 0) {
      op.offset = ops_[static_cast<size_t>(op.shares)].offset;
    } else {
      op.offset = arena_bytes_;
      arena_bytes_ += (nbytes + kSlotAlignment - 1) / kSlotAlignment * kSlotAlignment;
      slot.write = true;
    }
  }
  slot.offset = op.offset;
  ops_.push_back(op);
  spans_.push_back(packed);
  cursor_ = ops_.size();
  return slot;
}

std::optional<GraphOpLog::Slot> GraphOpLog::replay(uint64_t signature, std::span<const SpanRef> spans,
                                                   size_t nbytes) {
  if (cursor_ >= ops_.size() || spans.size() > kMaxOpSpans) return std::nullopt;
  const LoggedOp& op = ops_[cursor_];
  if (op.signature != signature || op.nbytes != nbytes || op.num_spans != spans.size()) return std::nullopt;
  const Spans packed = pack_spans(spans);
  // The captured kernels read each span at the offset it had then: equal totals may hide another layout.
  for (size_t i = 0; i < spans.size(); ++i)
    if (spans_[cursor_][i].nbytes != packed[i].nbytes) return std::nullopt;
  // A shared slot holds the owner's bytes of this step: valid only if this op still reads the same memory.
  if (op.shares >= 0 && spans_[static_cast<size_t>(op.shares)] != packed) return std::nullopt;
  spans_[cursor_] = packed;
  ++cursor_;
  return Slot{op.offset, op.shares < 0 && op.nbytes > 0};
}

}  // namespace edgeserve::cuda
