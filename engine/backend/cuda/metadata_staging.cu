// MetadataStaging: see metadata_staging.h.
#include "engine/backend/cuda/metadata_staging.h"

#include <algorithm>
#include <cstdio>

#include "engine/backend/cuda/cuda_check.h"

namespace edgeserve::cuda {

MetadataStaging::~MetadataStaging() {
  if (device_ != nullptr && cudaFree(device_) != cudaSuccess)
    std::fprintf(stderr, "edgeserve: cudaFree of the metadata arena failed\n");
}

uint8_t* MetadataStaging::upload() {
  if (host_.size() > capacity_) {
    // The arena may still be read by queued kernels: wait before freeing it.
    ES_CUDA_CHECK(cudaStreamSynchronize(stream_));
    if (device_ != nullptr) ES_CUDA_CHECK(cudaFree(device_));
    device_ = nullptr;
    capacity_ = 0;
    const size_t grown = std::max<size_t>(host_.size() * 2, 4096);
    ES_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&device_), grown));
    capacity_ = grown;
  }
  if (!host_.empty()) ES_CUDA_CHECK(cudaMemcpyAsync(device_, host_.data(), host_.size(), cudaMemcpyHostToDevice, stream_));
  return device_;
}

}  // namespace edgeserve::cuda
