// MetadataStaging: see metadata_staging.h.
#include "engine/backend/cuda/metadata_staging.h"

#include <algorithm>
#include <cstdio>

#include "engine/backend/cuda/cuda_check.h"

namespace edgeserve::cuda {
namespace {

// A ring at least this many times the largest upload, so that consecutive ops rarely wait for a copy.
constexpr size_t kRingUploads = 8;
constexpr size_t kMinRingBytes = size_t{256} << 10;

}  // namespace

MetadataStaging::~MetadataStaging() {
  // Teardown must not throw: report and go on. The DMA may still read the ring: wait before freeing it.
  for (const InFlight& f : in_flight_) {
    cudaEventSynchronize(f.done);
    cudaEventDestroy(f.done);
  }
  for (cudaEvent_t e : spare_events_) cudaEventDestroy(e);
  if (pinned_ != nullptr && cudaFreeHost(pinned_) != cudaSuccess)
    std::fprintf(stderr, "edgeserve: cudaFreeHost of the metadata staging ring failed\n");
  if (device_ != nullptr && cudaFree(device_) != cudaSuccess)
    std::fprintf(stderr, "edgeserve: cudaFree of the metadata arena failed\n");
}

cudaEvent_t MetadataStaging::take_event() {
  if (!spare_events_.empty()) {
    cudaEvent_t e = spare_events_.back();
    spare_events_.pop_back();
    return e;
  }
  cudaEvent_t e = nullptr;
  ES_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  return e;
}

void MetadataStaging::retire_through(size_t last) {
  ES_CUDA_CHECK(cudaEventSynchronize(in_flight_[last].done));
  for (size_t i = 0; i <= last; ++i) {
    spare_events_.push_back(in_flight_.front().done);
    in_flight_.pop_front();
  }
}

void MetadataStaging::wait_all_in_flight() {
  if (!in_flight_.empty()) retire_through(in_flight_.size() - 1);
}

size_t MetadataStaging::reserve_pinned(size_t nbytes) {
  if (nbytes * kRingUploads > pinned_capacity_) {  // grow geometrically; nothing may read the old ring
    wait_all_in_flight();
    if (pinned_ != nullptr) ES_CUDA_CHECK(cudaFreeHost(pinned_));
    pinned_ = nullptr;
    pinned_capacity_ = 0;
    head_ = 0;
    const size_t grown = std::max({nbytes * kRingUploads * 2, kMinRingBytes});
    ES_CUDA_CHECK(cudaHostAlloc(reinterpret_cast<void**>(&pinned_), grown, cudaHostAllocDefault));
    pinned_capacity_ = grown;
  }
  if (head_ + nbytes > pinned_capacity_) head_ = 0;  // the region must be contiguous: wrap
  const size_t begin = head_, end = head_ + nbytes;
  // Copies complete in stream order: retire the finished ones at the front without waiting ...
  while (!in_flight_.empty()) {
    const cudaError_t status = cudaEventQuery(in_flight_.front().done);
    if (status == cudaErrorNotReady) {
      // Not an error, but the runtime may record it as the last error: clear it, or the next launch check
      // (cudaGetLastError) would report it. Launches are checked at once, so nothing else is pending here.
      cudaGetLastError();
      break;
    }
    ES_CUDA_CHECK(status);
    spare_events_.push_back(in_flight_.front().done);
    in_flight_.pop_front();
  }
  // ... then wait for the newest copy that still reads [begin, end), which covers every older one.
  for (size_t i = in_flight_.size(); i-- > 0;) {
    if (in_flight_[i].begin < end && begin < in_flight_[i].end) {
      retire_through(i);
      break;
    }
  }
  head_ = end;
  return begin;
}

uint8_t* MetadataStaging::upload() {
  const size_t nbytes = packed_.size();
  if (nbytes > device_capacity_) {
    // The arena may still be read by queued kernels: wait before freeing it.
    ES_CUDA_CHECK(cudaStreamSynchronize(stream_));
    if (device_ != nullptr) ES_CUDA_CHECK(cudaFree(device_));
    device_ = nullptr;
    device_capacity_ = 0;
    const size_t grown = std::max<size_t>(nbytes * 2, 4096);
    ES_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&device_), grown));
    device_capacity_ = grown;
  }
  if (nbytes == 0) return device_;
  const size_t at = reserve_pinned(nbytes);
  std::memcpy(pinned_ + at, packed_.data(), nbytes);
  ES_CUDA_CHECK(cudaMemcpyAsync(device_, pinned_ + at, nbytes, cudaMemcpyHostToDevice, stream_));
  cudaEvent_t done = take_event();
  const cudaError_t err = cudaEventRecord(done, stream_);
  if (err != cudaSuccess) {
    spare_events_.push_back(done);
    ES_CUDA_CHECK(err);
  }
  in_flight_.push_back({done, at, at + nbytes});
  return device_;
}

}  // namespace edgeserve::cuda
