#pragma once
// Per-row kernels of the CPU backend's elementwise ops (rms_norm, silu_mul, add, rope, dtype widening).
// Plain loops the compiler vectorizes; all math in F32. CpuBackend checks shapes and splits rows over threads.
#include <cstdint>

#include "engine/backend/rope.h"
#include "engine/tensor.h"

namespace edgeserve::cpu {

// dst[k] = src[k] converted from dtype (F32, F16, BF16) to F32.
void widen_row(const void* src, DType dtype, int64_t n, float* dst);
// dst[k] = src[k] converted from F32 to dtype (F32 or F16, round to nearest even).
void narrow_row(const float* src, DType dtype, int64_t n, void* dst);
// out = x * rsqrt(mean(x^2) + eps) * weight (weight already F32). out may alias x.
void rms_norm_row(const float* x, const float* weight, float eps, int64_t n, float* out);
// out = silu(gate) * up = gate / (1 + exp(-gate)) * up.
void silu_mul_row(const float* gate, const float* up, int64_t n, float* out);
void add_row(const float* a, const float* b, int64_t n, float* out);
// Rotates every head of one token in place: x [num_heads, head_dim]; cos/sin [head_dim / 2] at its position.
void rope_row(float* x, int64_t num_heads, const RopeConfig& config, const float* cos, const float* sin);
// cos/sin of angle = float(position) * inv_freq[i] (the F32 product HF computes), for i < head_dim / 2.
void rope_angles(int32_t position, const RopeConfig& config, float* cos, float* sin);

}  // namespace edgeserve::cpu
