// Scalar reference linear kernels for F32 / F16 / BF16 weights: one float dot product per (token, row).
// Every SIMD kernel is tested against these; keep them plain.
#include <cstring>

#include "engine/backend/cpu/quant/fp16.h"
#include "engine/backend/cpu/linear_kernel.h"

namespace edgeserve::cpu {
namespace {

struct F16Tag {};
struct BF16Tag {};

template <class Element>
float weight_at(const uint8_t* row, int64_t k);
template <>
float weight_at<float>(const uint8_t* row, int64_t k) {
  float v;
  std::memcpy(&v, row + 4 * k, 4);
  return v;
}
template <>
float weight_at<F16Tag>(const uint8_t* row, int64_t k) {
  uint16_t h;
  std::memcpy(&h, row + 2 * k, 2);
  return quant::fp16_to_fp32(h);
}
template <>
float weight_at<BF16Tag>(const uint8_t* row, int64_t k) {
  uint16_t h;
  std::memcpy(&h, row + 2 * k, 2);
  return quant::bf16_to_fp32(h);
}

template <class Element>
void compute(const LinearArgs& a, int64_t out_begin, int64_t out_end) {
  for (int64_t o = out_begin; o < out_end; ++o) {
    const uint8_t* row = a.w + static_cast<size_t>(o) * a.w_row_bytes;
    for (int64_t t = 0; t < a.num_tokens; ++t) {
      const float* x = a.x + t * a.in;
      float sum = 0.0f;
      for (int64_t k = 0; k < a.in; ++k) sum += x[k] * weight_at<Element>(row, k);
      a.y[t * a.out + o] = sum;
    }
  }
}

const LinearKernel kF32{nullptr, nullptr, &compute<float>, 16};
const LinearKernel kF16{nullptr, nullptr, &compute<F16Tag>, 16};
const LinearKernel kBF16{nullptr, nullptr, &compute<BF16Tag>, 16};

}  // namespace

const LinearKernel* scalar_linear_kernel(DType dtype) {
  switch (dtype) {
    case DType::F32: return &kF32;
    case DType::F16: return &kF16;
    case DType::BF16: return &kBF16;
    default: return nullptr;
  }
}

}  // namespace edgeserve::cpu
