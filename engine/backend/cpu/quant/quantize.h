#pragma once
// Scalar quantizers: F32 rows to the block formats we create ourselves, at load time (`--dtype q8_0|q4_0`
// on an F32/F16/BF16 checkpoint) and per step for activations (Q8_0, Q8_K).
// Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, F16 and BF16 give the same bytes as gguf-py's gguf.quants.quantize (which
// mirrors ggml's *_ref quantizers); compiled without FMA contraction so the float steps match numpy's.
// Inputs must be finite. Q8_K has no gguf-py quantizer; it is ours (scale 127/amax, values in [-127, 127]).
#include <cstdint>

#include "engine/tensor.h"

namespace edgeserve::quant {

// Preconditions for all: n is a multiple of the block size (32, or 256 for Q8_K); dst holds
// row_nbytes(dtype, n) bytes.
void quantize_row_q8_0(const float* src, void* dst, int64_t n);
void quantize_row_q4_0(const float* src, void* dst, int64_t n);
void quantize_row_q4_1(const float* src, void* dst, int64_t n);
void quantize_row_q5_0(const float* src, void* dst, int64_t n);
void quantize_row_q5_1(const float* src, void* dst, int64_t n);
void quantize_row_q8_k(const float* src, void* dst, int64_t n);
void quantize_row_f16(const float* src, void* dst, int64_t n);
void quantize_row_bf16(const float* src, void* dst, int64_t n);

// True for the dtypes above and F32.
bool can_quantize(DType dtype);
// Dispatch by dtype. Throws std::invalid_argument for a dtype without a quantizer or a bad n.
void quantize_row(DType dtype, const float* src, void* dst, int64_t n);

}  // namespace edgeserve::quant
