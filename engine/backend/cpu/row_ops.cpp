// Per-row kernels of the CPU backend's elementwise ops. See row_ops.h.
#include "engine/backend/cpu/row_ops.h"

#include <cmath>
#include <cstring>

#include "engine/backend/cpu/quant/fp16.h"

namespace edgeserve::cpu {

void widen_row(const void* src, DType dtype, int64_t n, float* dst) {
  switch (dtype) {
    case DType::F32:
      std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
      return;
    case DType::F16: {
      const uint8_t* p = static_cast<const uint8_t*>(src);
      for (int64_t k = 0; k < n; ++k) {
        uint16_t h;
        std::memcpy(&h, p + 2 * k, 2);  // safetensors data may be unaligned
        dst[k] = quant::fp16_to_fp32(h);
      }
      return;
    }
    case DType::BF16: {
      const uint8_t* p = static_cast<const uint8_t*>(src);
      for (int64_t k = 0; k < n; ++k) {
        uint16_t h;
        std::memcpy(&h, p + 2 * k, 2);
        dst[k] = quant::bf16_to_fp32(h);
      }
      return;
    }
    default:
      std::abort();  // callers validate dtypes at prepare_weight / allocate
  }
}

void narrow_row(const float* src, DType dtype, int64_t n, void* dst) {
  if (dtype == DType::F32) {
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
    return;
  }
  uint16_t* h = static_cast<uint16_t*>(dst);
  for (int64_t k = 0; k < n; ++k) h[k] = quant::fp32_to_fp16(src[k]);
}

void rms_norm_row(const float* x, const float* weight, float eps, int64_t n, float* out) {
  float partial[8] = {};
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int j = 0; j < 8; ++j) partial[j] += x[k + j] * x[k + j];
  float sum = 0.0f;
  for (int j = 0; j < 8; ++j) sum += partial[j];
  for (; k < n; ++k) sum += x[k] * x[k];
  const float inv_rms = 1.0f / std::sqrt(sum / static_cast<float>(n) + eps);
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] * inv_rms * weight[i];
}

void silu_mul_row(const float* gate, const float* up, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void add_row(const float* a, const float* b, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

void rope_angles(int32_t position, const RopeConfig& config, float* cos, float* sin) {
  const int64_t half = config.head_dim / 2;
  for (int64_t i = 0; i < half; ++i) {
    const float angle = static_cast<float>(position) * config.inv_freq[i];
    cos[i] = static_cast<float>(std::cos(static_cast<double>(angle)));
    sin[i] = static_cast<float>(std::sin(static_cast<double>(angle)));
  }
}

void rope_row(float* x, int64_t num_heads, const RopeConfig& config, const float* cos, const float* sin) {
  const int64_t hd = config.head_dim;
  const int64_t half = hd / 2;
  for (int64_t h = 0; h < num_heads; ++h) {
    float* v = x + h * hd;
    if (config.mode == RopeMode::kNeox) {  // pair (i, i + d/2): x*cos + rotate_half(x)*sin
      for (int64_t i = 0; i < half; ++i) {
        const float a = v[i], b = v[i + half];
        v[i] = a * cos[i] - b * sin[i];
        v[i + half] = b * cos[i] + a * sin[i];
      }
    } else {  // pair (2i, 2i + 1)
      for (int64_t i = 0; i < half; ++i) {
        const float a = v[2 * i], b = v[2 * i + 1];
        v[2 * i] = a * cos[i] - b * sin[i];
        v[2 * i + 1] = b * cos[i] + a * sin[i];
      }
    }
  }
}

}  // namespace edgeserve::cpu
