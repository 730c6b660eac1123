#pragma once
// DeviceScratch: a reusable device buffer of the CudaBackend (split attention's partial softmax states) that
// grows geometrically and never shrinks, so a warm server allocates nothing on the step path: after the first
// few steps every request fits. Growth waits for the stream, because a queued kernel may still read the old
// buffer; it is the only synchronization here. Contents are not kept across growth (scratch, not state).
// Internal to the CUDA backend (includes cuda_runtime.h). One stream, one thread. Move-only.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <utility>

#include "engine/backend/cuda/cuda_check.h"

namespace edgeserve::cuda {

class DeviceScratch {
 public:
  DeviceScratch() = default;
  ~DeviceScratch() {
    // Teardown must not throw: wait for users, report a failed free and go on.
    if (data_ == nullptr) return;
    cudaDeviceSynchronize();
    if (cudaFree(data_) != cudaSuccess) std::fprintf(stderr, "edgeserve: cudaFree of a scratch buffer failed\n");
  }
  DeviceScratch(DeviceScratch&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), capacity_(std::exchange(other.capacity_, 0)) {}
  DeviceScratch& operator=(DeviceScratch&&) = delete;
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;

  // At least `nbytes` of device memory, valid for kernels enqueued on `stream` until a later reserve grows
  // the buffer. Grows to max(nbytes, 2 * capacity): a sequence of growing requests reallocates O(log n) times.
  void* reserve(size_t nbytes, cudaStream_t stream) {
    if (nbytes <= capacity_) return data_;
    const size_t grown = std::max(nbytes, 2 * capacity_);
    if (data_ != nullptr) {
      ES_CUDA_CHECK(cudaStreamSynchronize(stream));  // queued kernels may still read the old buffer
      void* old = std::exchange(data_, nullptr);
      capacity_ = 0;
      ES_CUDA_CHECK(cudaFree(old));
    }
    void* fresh = nullptr;
    ES_CUDA_CHECK(cudaMalloc(&fresh, grown));
    data_ = fresh;
    capacity_ = grown;
    return data_;
  }

  size_t capacity() const { return capacity_; }

 private:
  void* data_ = nullptr;  // [capacity_] bytes, cudaMalloc
  size_t capacity_ = 0;
};

}  // namespace edgeserve::cuda
