#pragma once
// Shared test helpers for the CPU backend tests: seeded random data, F16/BF16 encodings of it, and
// backend buffers filled from host vectors.
#include <cstdint>
#include <cstring>
#include <string>
#include <random>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/backend/cpu/quant/fp16.h"

namespace edgeserve::test {

inline std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Bytes of `values` in dtype (F32, F16, BF16), and `values` replaced by what those bytes hold, so a double
// reference computed from `values` afterwards sees exactly the weights the kernel sees.
inline std::vector<uint8_t> encode(std::vector<float>& values, DType dtype) {
  std::vector<uint8_t> bytes(values.size() * (dtype == DType::F32 ? 4 : 2));
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::F32) {
      std::memcpy(bytes.data() + 4 * i, &values[i], 4);
      continue;
    }
    const uint16_t h = dtype == DType::F16 ? quant::fp32_to_fp16(values[i]) : quant::fp32_to_bf16(values[i]);
    values[i] = dtype == DType::F16 ? quant::fp16_to_fp32(h) : quant::bf16_to_fp32(h);
    std::memcpy(bytes.data() + 2 * i, &h, 2);
  }
  return bytes;
}

inline TensorView make_view(const std::string& name, DType dtype, std::vector<int64_t> shape,
                            const std::vector<uint8_t>& bytes) {
  TensorView v;
  v.name = name;
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.data = bytes.data();
  v.nbytes = bytes.size();
  return v;
}

inline DeviceBuffer upload(Backend& backend, const std::vector<float>& host, std::vector<int64_t> shape) {
  DeviceBuffer buffer = backend.allocate(DType::F32, shape);
  backend.copy_to_device(host.data(), buffer.tensor());
  return buffer;
}

inline std::vector<float> download(Backend& backend, const DeviceBuffer& buffer) {
  std::vector<float> host(static_cast<size_t>(buffer.tensor().num_elements()));
  backend.copy_to_host(buffer.tensor(), host.data());
  return host;
}

}  // namespace edgeserve::test
