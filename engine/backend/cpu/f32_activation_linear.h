#pragma once
// F32-activation linear kernels for the GGUF block formats: each weight block is dequantized in registers
// (to exactly the reference dequantizer's floats) and multiplied with the F32 activations by FMA, with no
// int8 rounding of the activations. The int8 path (quant_linear.cpp, llama.cpp's scheme) is faster; this one
// reproduces F32 math on the dequantized weights (transformers' computation) up to the summation order.
// Batch-invariant: a token's outputs depend only on its own activations and the weights, never on how many
// tokens are computed together or how they are grouped. Must not be used for plain float weights.
#include "engine/backend/cpu/isa.h"
#include "engine/backend/cpu/linear_kernel.h"
#include "engine/tensor.h"

namespace edgeserve::cpu {

// How CpuBackend::linear treats the activations of quantized weights.
enum class ActivationPrecision {
  kInt8,  // per-32-block int8 quantization and integer dot products (llama.cpp's numerics)
  kF32,   // F32 activations against in-register dequantized weights (transformers' numerics)
};

// The F32-activation kernel for a block-quantized `dtype` at the best level <= `level` (AVX-512, AVX2), or
// null: the scalar level has none (CpuBackend then runs its dequantize-then-F32 reference, the same math).
const LinearKernel* find_f32_activation_kernel(DType dtype, IsaLevel level);

// Per-level tables (each defined in its own file, compiled for that level).
const LinearKernel* avx512_f32_activation_kernel(DType dtype);
const LinearKernel* avx2_f32_activation_kernel(DType dtype);

}  // namespace edgeserve::cpu
