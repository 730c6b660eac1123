#pragma once
// Scalar reference dequantization of one row of weights to F32. Bit-exact with gguf-py's
// gguf.quants.dequantize (same float operations in the same order; this file is compiled without FMA
// contraction). The reference the SIMD kernels and every other backend are checked against; not fast.
#include <cstdint>

#include "engine/tensor.h"

namespace edgeserve::quant {

// True for F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K.
bool can_dequantize(DType dtype);

// dst[0..n) = the values of the n elements at src. Preconditions: can_dequantize(dtype), n a multiple of
// dtype_info(dtype).block_elements. Throws std::invalid_argument on an unsupported dtype or bad n.
void dequantize_row(DType dtype, const void* src, float* dst, int64_t n);

}  // namespace edgeserve::quant
