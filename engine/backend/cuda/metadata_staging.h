#pragma once
// MetadataStaging: moves one op's host metadata spans (token ids, positions, slot mapping, block tables,
// rope frequencies) to the device in a single copy. The spans are packed (16-byte aligned) into a host
// vector, then copied into a device arena that grows geometrically and is reused by the next op (stream
// order keeps the previous op's kernels ahead of the next copy). Pageable source memory: cudaMemcpyAsync
// returns once the bytes are staged, so the host vector may be refilled at once. Pinned staging is a later
// optimisation. Internal to the CUDA backend (includes cuda_runtime.h).
#include <cuda_runtime.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace edgeserve::cuda {

class MetadataStaging {
 public:
  explicit MetadataStaging(cudaStream_t stream) : stream_(stream) {}
  ~MetadataStaging();
  MetadataStaging(const MetadataStaging&) = delete;
  MetadataStaging& operator=(const MetadataStaging&) = delete;

  // Starts packing a new op's spans (the device pointers of the previous op become invalid).
  void begin() { host_.clear(); }
  // Appends a span; returns its byte offset from the device base that upload() returns.
  template <typename T>
  size_t add(std::span<const T> values) {
    const size_t offset = (host_.size() + 15) / 16 * 16;
    host_.resize(offset + values.size_bytes());
    if (!values.empty()) std::memcpy(host_.data() + offset, values.data(), values.size_bytes());
    return offset;
  }
  // Copies everything added since begin() to the device; returns the device base address.
  uint8_t* upload();

 private:
  cudaStream_t stream_;
  std::vector<uint8_t> host_;
  uint8_t* device_ = nullptr;
  size_t capacity_ = 0;
};

}  // namespace edgeserve::cuda
