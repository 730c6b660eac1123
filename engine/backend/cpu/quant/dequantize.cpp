// Scalar dequantizers, one per format, written to mirror gguf-py's numpy expressions operation by
// operation (e.g. Q4_1 is (d * q) + m, Q6_K is (d * scale) * q) so the results match bit for bit.
// Must not use FMA: the CMakeLists compiles this file with -ffp-contract=off.
#include "engine/backend/cpu/quant/dequantize.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/fp16.h"

namespace edgeserve::quant {
namespace {

void dequantize_q4_0(const BlockQ4_0* x, float* y, int64_t num_blocks) {
  for (int64_t b = 0; b < num_blocks; ++b, y += kQK) {
    const float d = fp16_to_fp32(x[b].d);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = d * static_cast<float>((x[b].qs[j] & 0x0f) - 8);
      y[j + kQK / 2] = d * static_cast<float>((x[b].qs[j] >> 4) - 8);
    }
  }
}

void dequantize_q4_1(const BlockQ4_1* x, float* y, int64_t num_blocks) {
  for (int64_t b = 0; b < num_blocks; ++b, y += kQK) {
    const float d = fp16_to_fp32(x[b].d);
    const float m = fp16_to_fp32(x[b].m);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = d * static_cast<float>(x[b].qs[j] & 0x0f) + m;
      y[j + kQK / 2] = d * static_cast<float>(x[b].qs[j] >> 4) + m;
    }
  }
}

uint32_t load_qh(const uint8_t* qh) {
  uint32_t v;
  std::memcpy(&v, qh, 4);  // little-endian bit j = high bit of element j
  return v;
}

void dequantize_q5_0(const BlockQ5_0* x, float* y, int64_t num_blocks) {
  for (int64_t b = 0; b < num_blocks; ++b, y += kQK) {
    const float d = fp16_to_fp32(x[b].d);
    const uint32_t qh = load_qh(x[b].qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = (x[b].qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
      const int hi = (x[b].qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
      y[j] = d * static_cast<float>(lo - 16);
      y[j + kQK / 2] = d * static_cast<float>(hi - 16);
    }
  }
}

void dequantize_q5_1(const BlockQ5_1* x, float* y, int64_t num_blocks) {
  for (int64_t b = 0; b < num_blocks; ++b, y += kQK) {
    const float d = fp16_to_fp32(x[b].d);
    const float m = fp16_to_fp32(x[b].m);
    const uint32_t qh = load_qh(x[b].qh);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = (x[b].qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
      const int hi = (x[b].qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
      y[j] = d * static_cast<float>(lo) + m;
      y[j + kQK / 2] = d * static_cast<float>(hi) + m;
    }
  }
}

void dequantize_q8_0(const BlockQ8_0* x, float* y, int64_t num_blocks) {
  for (int64_t b = 0; b < num_blocks; ++b, y += kQK) {
    const float d = fp16_to_fp32(x[b].d);
    for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(x[b].qs[j]) * d;
  }
}

void dequantize_q4_k(const BlockQ4_K* x, float* y, int64_t num_blocks) {
  for (int64_t b = 0; b < num_blocks; ++b) {
    const float d = fp16_to_fp32(x[b].d);
    const float dmin = fp16_to_fp32(x[b].dmin);
    for (int sub = 0; sub < 8; ++sub, y += 32) {
      uint8_t sc, m;
      get_scale_min_k4(sub, x[b].scales, &sc, &m);
      const float d_sub = d * static_cast<float>(sc);
      const float m_sub = dmin * static_cast<float>(m);
      const uint8_t* q = x[b].qs + 32 * (sub / 2);
      const int shift = 4 * (sub % 2);
      for (int l = 0; l < 32; ++l) y[l] = d_sub * static_cast<float>((q[l] >> shift) & 0x0f) - m_sub;
    }
  }
}

void dequantize_q5_k(const BlockQ5_K* x, float* y, int64_t num_blocks) {
  for (int64_t b = 0; b < num_blocks; ++b) {
    const float d = fp16_to_fp32(x[b].d);
    const float dmin = fp16_to_fp32(x[b].dmin);
    for (int sub = 0; sub < 8; ++sub, y += 32) {
      uint8_t sc, m;
      get_scale_min_k4(sub, x[b].scales, &sc, &m);
      const float d_sub = d * static_cast<float>(sc);
      const float m_sub = dmin * static_cast<float>(m);
      const uint8_t* q = x[b].qs + 32 * (sub / 2);
      const int shift = 4 * (sub % 2);
      for (int l = 0; l < 32; ++l) {
        const int value = ((q[l] >> shift) & 0x0f) | (((x[b].qh[l] >> sub) & 1) << 4);
        y[l] = d_sub * static_cast<float>(value) - m_sub;
      }
    }
  }
}

void dequantize_q6_k(const BlockQ6_K* x, float* y, int64_t num_blocks) {
  for (int64_t b = 0; b < num_blocks; ++b, y += kQK_K) {
    const float d = fp16_to_fp32(x[b].d);
    for (int i = 0; i < kQK_K; ++i) {
      const int half = i / 128, r = i % 128;
      const int low = (x[b].ql[half * 64 + r % 64] >> (4 * (r / 64))) & 0x0f;
      const int high = (x[b].qh[half * 32 + r % 32] >> (2 * (r / 32))) & 0x03;
      const float d_sub = d * static_cast<float>(x[b].scales[i / 16]);
      y[i] = d_sub * static_cast<float>((low | (high << 4)) - 32);
    }
  }
}

}  // namespace

bool can_dequantize(DType dtype) {
  switch (dtype) {
    case DType::F32: case DType::F16: case DType::BF16: case DType::Q4_0: case DType::Q4_1:
    case DType::Q5_0: case DType::Q5_1: case DType::Q8_0: case DType::Q4_K: case DType::Q5_K:
    case DType::Q6_K:
      return true;
    default:
      return false;
  }
}

void dequantize_row(DType dtype, const void* src, float* dst, int64_t n) {
  if (!can_dequantize(dtype)) {
    throw std::invalid_argument("dequantize_row: unsupported dtype " + std::string(dtype_name(dtype)));
  }
  const int64_t block = static_cast<int64_t>(dtype_info(dtype).block_elements);
  if (n < 0 || n % block != 0) {
    throw std::invalid_argument("dequantize_row: " + std::string(dtype_name(dtype)) + " row of " +
                                std::to_string(n) + " elements is not a multiple of " + std::to_string(block));
  }
  const int64_t num_blocks = n / block;
  switch (dtype) {
    case DType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float)); break;
    case DType::F16: {
      const auto* h = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(h[i]);
      break;
    }
    case DType::BF16: {
      const auto* h = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(h[i]);
      break;
    }
    case DType::Q4_0: dequantize_q4_0(static_cast<const BlockQ4_0*>(src), dst, num_blocks); break;
    case DType::Q4_1: dequantize_q4_1(static_cast<const BlockQ4_1*>(src), dst, num_blocks); break;
    case DType::Q5_0: dequantize_q5_0(static_cast<const BlockQ5_0*>(src), dst, num_blocks); break;
    case DType::Q5_1: dequantize_q5_1(static_cast<const BlockQ5_1*>(src), dst, num_blocks); break;
    case DType::Q8_0: dequantize_q8_0(static_cast<const BlockQ8_0*>(src), dst, num_blocks); break;
    case DType::Q4_K: dequantize_q4_k(static_cast<const BlockQ4_K*>(src), dst, num_blocks); break;
    case DType::Q5_K: dequantize_q5_k(static_cast<const BlockQ5_K*>(src), dst, num_blocks); break;
    case DType::Q6_K: dequantize_q6_k(static_cast<const BlockQ6_K*>(src), dst, num_blocks); break;
    default: break;  // unreachable: checked by can_dequantize
  }
}

}  // namespace edgeserve::quant
