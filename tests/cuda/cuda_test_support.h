#pragma once
// Shared pieces of the [cuda] tests: a CpuBackend (the reference) next to a CudaBackend, seeded random data,
// host <-> backend helpers and the normalised mean squared error the comparisons use.
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cuda/cuda_backend.h"

namespace edgeserve::test {

struct BackendPair {
  cpu::CpuBackend cpu{2};
  cuda::CudaBackend gpu{0};
};

inline std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// sum (got - want)^2 / sum want^2; 0 for two empty vectors.
inline double nmse(std::span<const float> got, std::span<const float> want) {
  double err = 0.0, ref = 0.0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double d = static_cast<double>(got[i]) - want[i];
    err += d * d;
    ref += static_cast<double>(want[i]) * want[i];
  }
  return ref == 0.0 ? err : err / ref;
}

// An F32 (or F16 / BF16) buffer of `shape` on `backend`, filled from `host` when it is not empty.
inline DeviceBuffer make_buffer(Backend& backend, std::vector<int64_t> shape, const std::vector<float>& host = {},
                                DType dtype = DType::F32) {
  DeviceBuffer buffer = backend.allocate(dtype, shape);
  if (!host.empty()) backend.copy_to_device(host.data(), buffer.tensor());
  return buffer;
}

inline std::vector<float> download(Backend& backend, const DeviceTensor& t) {
  std::vector<float> host(static_cast<size_t>(t.num_elements()));
  backend.copy_to_host(t, host.data());
  return host;
}

}  // namespace edgeserve::test
