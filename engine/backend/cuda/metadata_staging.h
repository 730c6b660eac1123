#pragma once
// MetadataStaging: moves one op's host metadata spans (token ids, positions, slot mapping, block tables,
// rope frequencies) to the device in a single copy. The spans are packed (16-byte aligned) into a host
// vector, then copied into a ring of pinned (page-locked) host memory and from there, asynchronously, into a
// device arena reused by every op (stream order keeps the previous op's kernels ahead of the next copy).
// Pinned memory lets cudaMemcpyAsync return at once, without the driver's staging copy, so the host keeps
// queueing ops while the GPU runs. The price is that the DMA still reads the pinned bytes after the call:
// each upload records an event, and a ring region is only rewritten after the events of the copies that read
// it have completed. Internal to the CUDA backend (includes cuda_runtime.h). One stream, one thread.
#include <cuda_runtime.h>

#include <array>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <deque>
#include <span>
#include <vector>

#include "engine/backend/cuda/graph_op_log.h"

namespace edgeserve::cuda {

class MetadataStaging {
 public:
  explicit MetadataStaging(cudaStream_t stream) : stream_(stream) {}
  ~MetadataStaging();
  MetadataStaging(const MetadataStaging&) = delete;
  MetadataStaging& operator=(const MetadataStaging&) = delete;

  // Starts packing a new op's spans (the device pointers of the previous op become invalid).
  void begin() {
    packed_.clear();
    num_spans_ = 0;
  }
  // Appends a span (at most kMaxOpSpans per op); returns its byte offset from the device base that
  // upload() returns.
  template <typename T>
  size_t add(std::span<const T> values) {
    assert(num_spans_ < spans_.size());
    spans_[num_spans_++] = {values.data(), values.size_bytes()};
    const size_t offset = (packed_.size() + 15) / 16 * 16;
    packed_.resize(offset + values.size_bytes());
    if (!values.empty()) std::memcpy(packed_.data() + offset, values.data(), values.size_bytes());
    return offset;
  }
  // This op's spans as added (where they lie on the host) and their packed bytes: what a step graph places
  // in its own arena instead of upload() (step_graphs.h).
  std::span<const SpanRef> spans() const { return {spans_.data(), num_spans_}; }
  std::span<const uint8_t> packed() const { return packed_; }
  // Copies everything added since begin() to the device (enqueued on the stream); returns the device base
  // address, valid for kernels enqueued before the next upload().
  uint8_t* upload();

  // Bytes of pinned ring and copies not yet known to be complete (tests, diagnostics).
  size_t pinned_capacity() const { return pinned_capacity_; }
  size_t num_in_flight() const { return in_flight_.size(); }

 private:
  struct InFlight {
    cudaEvent_t done;     // recorded on the stream right after the copy
    size_t begin, end;    // the ring bytes [begin, end) the copy reads
  };

  // A contiguous ring region of `nbytes` that no copy in flight reads any more; returns its offset.
  size_t reserve_pinned(size_t nbytes);
  // Waits for in_flight_[0..last] (stream order: the last one done means all earlier ones are) and retires them.
  void retire_through(size_t last);
  void wait_all_in_flight();
  cudaEvent_t take_event();

  cudaStream_t stream_;
  std::vector<uint8_t> packed_;          // this op's spans, pageable
  std::array<SpanRef, kMaxOpSpans> spans_{};
  size_t num_spans_ = 0;
  uint8_t* pinned_ = nullptr;            // [pinned_capacity_] ring, cudaHostAlloc
  size_t pinned_capacity_ = 0;
  size_t head_ = 0;                      // next free ring byte
  std::deque<InFlight> in_flight_;       // oldest first
  std::vector<cudaEvent_t> spare_events_;
  uint8_t* device_ = nullptr;            // [device_capacity_] arena
  size_t device_capacity_ = 0;
};

}  // namespace edgeserve::cuda
