#pragma once
// Device-side reading of ggml Q8_0 blocks (34 bytes: F16 scale d, then 32 int8 quants; value = d * q).
// Blocks are 34 bytes apart, so the scale is read bytewise (no 2-byte alignment). Internal to .cu files.
#include <cuda_fp16.h>

#include <cstdint>

namespace edgeserve::cuda {

constexpr int kQ8_0BlockElements = 32;
constexpr int kQ8_0BlockBytes = 34;

__device__ inline float q8_0_scale(const uint8_t* block) {
  const unsigned short bits = static_cast<unsigned short>(block[0] | (block[1] << 8));
  return __half2float(__ushort_as_half(bits));
}

// Element k of a Q8_0 row.
__device__ inline float q8_0_value(const uint8_t* row, int64_t k) {
  const uint8_t* block = row + (k / kQ8_0BlockElements) * kQ8_0BlockBytes;
  return q8_0_scale(block) * static_cast<float>(static_cast<int8_t>(block[2 + k % kQ8_0BlockElements]));
}

}  // namespace edgeserve::cuda
