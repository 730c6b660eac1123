// Reference quantizers. Each mirrors the numpy expression in gguf-py step by step in float32: the scale is
// computed from the unrounded float (d = max / -8), the inverse is 1 / d, and only the stored scale is
// rounded to F16. Must not use FMA: the CMakeLists compiles this file with -ffp-contract=off.
#include "engine/backend/cpu/quant/quantize.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/fp16.h"

namespace edgeserve::quant {
namespace {

// The element with the largest magnitude, keeping its sign; the first one on ties (numpy argmax).
float signed_absmax(const float* x, int count) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < count; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void min_max(const float* x, int count, float* min, float* max) {
  *min = x[0];
  *max = x[0];
  for (int j = 1; j < count; ++j) {
    *min = std::min(*min, x[j]);
    *max = std::max(*max, x[j]);
  }
}

float inverse(float d) { return d == 0.0f ? 0.0f : 1.0f / d; }

// numpy's float -> integer cast of an already integral value. A scale 1/d that overflows to inf (an all-
// subnormal block) makes the value inf or NaN; numpy's cast turns those into 0 on x86 and so do we, where
// a C++ cast would be undefined behaviour.
int numpy_int_cast(float integral) { return std::isfinite(integral) ? static_cast<int>(integral) : 0; }

// trunc(v) clipped to [0, limit], as numpy's trunc(...).astype(uint8).clip(0, limit) (v < 256 when finite).
uint8_t trunc_clip(float v, int limit) {
  return static_cast<uint8_t>(std::clamp(numpy_int_cast(std::trunc(v)), 0, limit));
}

void pack_q5_high_bits(const uint8_t* q, uint8_t* qs, uint8_t* qh) {
  uint32_t high = 0;
  for (int j = 0; j < kQK; ++j) high |= static_cast<uint32_t>(q[j] >> 4) << j;
  for (int j = 0; j < kQK / 2; ++j) qs[j] = static_cast<uint8_t>((q[j] & 0x0f) | (q[j + kQK / 2] << 4));
  std::memcpy(qh, &high, 4);
}

}  // namespace

void quantize_row_q8_0(const float* x, void* dst, int64_t n) {
  assert(n % kQK == 0);
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = inverse(d);
    y[b].d = fp32_to_fp16(d);
    // round half away from zero, as gguf-py's np_roundf; |x * id| <= 127 when finite
    for (int j = 0; j < kQK; ++j) y[b].qs[j] = static_cast<int8_t>(numpy_int_cast(std::round(x[j] * id)));
  }
}

void quantize_row_q4_0(const float* x, void* dst, int64_t n) {
  assert(n % kQK == 0);
  auto* y = static_cast<BlockQ4_0*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    const float d = signed_absmax(x, kQK) / -8.0f;
    const float id = inverse(d);
    y[b].d = fp32_to_fp16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      const uint8_t lo = trunc_clip(x[j] * id + 8.5f, 15);
      const uint8_t hi = trunc_clip(x[j + kQK / 2] * id + 8.5f, 15);
      y[b].qs[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

void quantize_row_q4_1(const float* x, void* dst, int64_t n) {
  assert(n % kQK == 0);
  auto* y = static_cast<BlockQ4_1*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    float min, max;
    min_max(x, kQK, &min, &max);
    const float d = (max - min) / 15.0f;
    const float id = inverse(d);
    y[b].d = fp32_to_fp16(d);
    y[b].m = fp32_to_fp16(min);
    for (int j = 0; j < kQK / 2; ++j) {
      const uint8_t lo = trunc_clip((x[j] - min) * id + 0.5f, 15);
      const uint8_t hi = trunc_clip((x[j + kQK / 2] - min) * id + 0.5f, 15);
      y[b].qs[j] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

void quantize_row_q5_0(const float* x, void* dst, int64_t n) {
  assert(n % kQK == 0);
  auto* y = static_cast<BlockQ5_0*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    const float d = signed_absmax(x, kQK) / -16.0f;
    const float id = inverse(d);
    uint8_t q[kQK];
    for (int j = 0; j < kQK; ++j) q[j] = trunc_clip(x[j] * id + 16.5f, 31);
    y[b].d = fp32_to_fp16(d);
    pack_q5_high_bits(q, y[b].qs, y[b].qh);
  }
}

void quantize_row_q5_1(const float* x, void* dst, int64_t n) {
  assert(n % kQK == 0);
  auto* y = static_cast<BlockQ5_1*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    float min, max;
    min_max(x, kQK, &min, &max);
    const float d = (max - min) / 31.0f;
    const float id = inverse(d);
    uint8_t q[kQK];
    for (int j = 0; j < kQK; ++j) q[j] = trunc_clip((x[j] - min) * id + 0.5f, 31);
    y[b].d = fp32_to_fp16(d);
    y[b].m = fp32_to_fp16(min);
    pack_q5_high_bits(q, y[b].qs, y[b].qh);
  }
}

void quantize_row_q8_k(const float* x, void* dst, int64_t n) {
  assert(n % kQK_K == 0);
  auto* y = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b, x += kQK_K) {
    float amax = 0.0f;
    for (int j = 0; j < kQK_K; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float iscale = amax == 0.0f ? 0.0f : 127.0f / amax;
    y[b].d = amax == 0.0f ? 0.0f : 1.0f / iscale;
    for (int j = 0; j < kQK_K; ++j) {
      const float scaled = x[j] * iscale;  // inf when amax is subnormal and 127/amax overflows
      const long v = std::isfinite(scaled) ? std::lround(scaled) : 0;
      y[b].qs[j] = static_cast<int8_t>(std::clamp(v, -127L, 127L));
    }
    for (int i = 0; i < kQK_K / 16; ++i) {
      int sum = 0;
      for (int j = 0; j < 16; ++j) sum += y[b].qs[16 * i + j];
      y[b].bsums[i] = static_cast<int16_t>(sum);
    }
  }
}

void quantize_row_f16(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

void quantize_row_bf16(const float* x, void* dst, int64_t n) {
  auto* y = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) y[i] = fp32_to_bf16(x[i]);
}

bool can_quantize(DType dtype) {
  switch (dtype) {
    case DType::F32: case DType::F16: case DType::BF16: case DType::Q8_0: case DType::Q4_0:
    case DType::Q4_1: case DType::Q5_0: case DType::Q5_1: case DType::Q8_K:
      return true;
    default:
      return false;
  }
}

void quantize_row(DType dtype, const float* src, void* dst, int64_t n) {
  if (!can_quantize(dtype)) {
    throw std::invalid_argument("quantize_row: no quantizer for " + std::string(dtype_name(dtype)));
  }
  const int64_t block = static_cast<int64_t>(dtype_info(dtype).block_elements);
  if (n < 0 || n % block != 0) {
    throw std::invalid_argument("quantize_row: " + std::string(dtype_name(dtype)) + " row of " +
                                std::to_string(n) + " elements is not a multiple of " + std::to_string(block));
  }
  switch (dtype) {
    case DType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float)); break;
    case DType::F16: quantize_row_f16(src, dst, n); break;
    case DType::BF16: quantize_row_bf16(src, dst, n); break;
    case DType::Q8_0: quantize_row_q8_0(src, dst, n); break;
    case DType::Q4_0: quantize_row_q4_0(src, dst, n); break;
    case DType::Q4_1: quantize_row_q4_1(src, dst, n); break;
    case DType::Q5_0: quantize_row_q5_0(src, dst, n); break;
    case DType::Q5_1: quantize_row_q5_1(src, dst, n); break;
    case DType::Q8_K: quantize_row_q8_k(src, dst, n); break;
    default: break;  // unreachable: checked by can_quantize
  }
}

}  // namespace edgeserve::quant
