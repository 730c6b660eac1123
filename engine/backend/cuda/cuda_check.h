#pragma once
// Error checks for CUDA runtime and cuBLAS calls: a failed call throws std::runtime_error naming the file,
// line, the call and the library's error string. ES_CUDA_CHECK_LAUNCH() follows every kernel launch: it
// catches launch-configuration errors always and, in debug builds (NDEBUG unset), synchronizes so a fault
// inside the kernel is reported at its launch instead of at some later call (except while a graph is
// captured: the kernel then runs only at the graph's launch). Internal to the CUDA backend
// (.cu files only): it includes CUDA headers.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace edgeserve::cuda::detail {

[[noreturn]] inline void throw_cuda_error(const char* file, int line, const char* call, const char* what) {
  throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + call + " failed: " + what);
}

// Whether this thread is capturing a CUDA graph (step_graphs.h): a debug build's check after each launch
// must not synchronize then (synchronizing a capturing stream invalidates the capture).
inline bool& capturing_graph() {
  thread_local bool capturing = false;
  return capturing;
}

}  // namespace edgeserve::cuda::detail

#define ES_CUDA_CHECK(call)                                                                               \
  do {                                                                                                    \
    const cudaError_t es_cuda_err_ = (call);                                                              \
    if (es_cuda_err_ != cudaSuccess)                                                                      \
      ::edgeserve::cuda::detail::throw_cuda_error(__FILE__, __LINE__, #call, cudaGetErrorString(es_cuda_err_)); \
  } while (0)

#define ES_CUBLAS_CHECK(call)                                                                             \
  do {                                                                                                    \
    const cublasStatus_t es_cublas_status_ = (call);                                                      \
    if (es_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                                       \
      ::edgeserve::cuda::detail::throw_cuda_error(__FILE__, __LINE__, #call,                              \
                                                  cublasGetStatusString(es_cublas_status_));              \
  } while (0)

#ifdef NDEBUG
#define ES_CUDA_CHECK_LAUNCH() ES_CUDA_CHECK(cudaGetLastError())
#else
#define ES_CUDA_CHECK_LAUNCH()                                                      \
  do {                                                                              \
    ES_CUDA_CHECK(cudaGetLastError());                                              \
    if (!::edgeserve::cuda::detail::capturing_graph()) ES_CUDA_CHECK(cudaDeviceSynchronize()); \
  } while (0)
#endif
