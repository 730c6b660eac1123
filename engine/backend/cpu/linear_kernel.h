#pragma once
// LinearKernel: the per-weight-dtype, per-ISA implementation of y = x W^T that CpuBackend::linear runs.
// A kernel may first convert the F32 activations once per call (prepare_activations: bf16 rounding for
// vdpbf16ps, per-block int8 quantization for Q8_0/Q4 weights later), then computes output columns
// [out_begin, out_end) for all tokens; CpuBackend splits the output rows over the thread pool.
// Quantized formats plug in by registering a kernel for their DType (register_linear_kernel) — this file
// must not know any quantized layout.
#include <cstddef>
#include <cstdint>

#include "engine/backend/cpu/isa.h"
#include "engine/tensor.h"

namespace edgeserve::cpu {

struct LinearArgs {
  const float* x = nullptr;            // [num_tokens, in] F32
  const void* x_prepared = nullptr;    // prepare_activations' output, or null
  int64_t num_tokens = 0;
  int64_t in = 0;
  const uint8_t* w = nullptr;          // [out, in] in the weight's dtype, rows w_row_bytes apart
  size_t w_row_bytes = 0;
  float* y = nullptr;                  // [num_tokens, out] F32
  int64_t out = 0;
};

struct LinearKernel {
  // Bytes of scratch prepare_activations needs for [num_tokens, in]; null: no preparation.
  size_t (*prepared_bytes)(int64_t num_tokens, int64_t in) = nullptr;
  // Converts tokens [token_begin, token_end) of x into scratch (called in parallel over token ranges).
  void (*prepare_activations)(const float* x, int64_t in, int64_t token_begin, int64_t token_end,
                              void* scratch) = nullptr;
  // y[t, o] = dot(x[t], W[o]) for all t and o in [out_begin, out_end). Must not write other columns.
  void (*compute)(const LinearArgs& args, int64_t out_begin, int64_t out_end) = nullptr;
  // Output rows per work unit; CpuBackend cuts [0, out) at multiples of it (tiles stay whole).
  int64_t rows_per_unit = 16;
};

// The kernel for `dtype` at the best registered level <= `level`, or null if none handles the dtype.
const LinearKernel* find_linear_kernel(DType dtype, IsaLevel level);
// Adds (or replaces) the kernel of a dtype at a level. Call at start-up, before any linear().
void register_linear_kernel(DType dtype, IsaLevel level, const LinearKernel& kernel);

// The built-in kernels (each .cpp defines its own level's set).
const LinearKernel* scalar_linear_kernel(DType dtype);
const LinearKernel* avx2_linear_kernel(DType dtype);
const LinearKernel* avx512_linear_kernel(DType dtype);
const LinearKernel* avx512bf16_linear_kernel(DType dtype);

}  // namespace edgeserve::cpu
