// Dispatch of the F32-activation kernels by ISA level (see f32_activation_linear.h).
#include "engine/backend/cpu/f32_activation_linear.h"

namespace edgeserve::cpu {

const LinearKernel* find_f32_activation_kernel(DType dtype, IsaLevel level) {
  if (!is_quantized(dtype)) return nullptr;
  if (level >= IsaLevel::kAvx512) {
    if (const LinearKernel* k = avx512_f32_activation_kernel(dtype)) return k;
  }
  if (level >= IsaLevel::kAvx2) return avx2_f32_activation_kernel(dtype);
  return nullptr;
}

}  // namespace edgeserve::cpu
