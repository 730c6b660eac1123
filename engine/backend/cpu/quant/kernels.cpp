// Run-time ISA detection and the three kernel tables. A level's table takes that level's kernel where one
// exists and the next lower level's otherwise, so every entry is always callable on a CPU of that level.
#include "engine/backend/cpu/quant/kernels.h"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "engine/backend/cpu/quant/dot_impl.h"
#include "engine/backend/cpu/quant/dot_multi_impl.h"
#include "engine/backend/cpu/quant/quantize.h"

namespace edgeserve::quant {
namespace {

QuantKernels make_scalar() {
  QuantKernels k;
  k.isa = CpuIsa::Scalar;
  k.vec_dot_q8_0_q8 = detail::vec_dot_q8_0_q8_scalar;
  k.vec_dot_q4_0_q8 = detail::vec_dot_q4_0_q8_scalar;
  k.vec_dot_q4_1_q8 = detail::vec_dot_q4_1_q8_scalar;
  k.vec_dot_q5_0_q8 = detail::vec_dot_q5_0_q8_scalar;
  k.vec_dot_q5_1_q8 = detail::vec_dot_q5_1_q8_scalar;
  k.vec_dot_q4_k_q8 = detail::vec_dot_q4_k_q8_scalar;
  k.vec_dot_q5_k_q8 = detail::vec_dot_q5_k_q8_scalar;
  k.vec_dot_q6_k_q8 = detail::vec_dot_q6_k_q8_scalar;
  k.vec_dot_f32 = detail::vec_dot_f32_scalar;
  k.vec_dot_f16 = detail::vec_dot_f16_scalar;
  k.vec_dot_bf16 = detail::vec_dot_bf16_scalar;
  k.vec_dot_x4_q8_0_q8 = detail::vec_dot_x4_q8_0_q8_scalar;
  k.vec_dot_x4_q4_0_q8 = detail::vec_dot_x4_q4_0_q8_scalar;
  k.vec_dot_x4_q4_1_q8 = detail::vec_dot_x4_q4_1_q8_scalar;
  k.quantize_act_q8_0 = quantize_row_q8_0;
  return k;
}

QuantKernels make_avx2() {
  QuantKernels k = make_scalar();
  k.isa = CpuIsa::Avx2;
  k.vec_dot_q8_0_q8 = detail::vec_dot_q8_0_q8_avx2;
  k.vec_dot_q4_0_q8 = detail::vec_dot_q4_0_q8_avx2;
  k.vec_dot_q4_1_q8 = detail::vec_dot_q4_1_q8_avx2;
  k.vec_dot_q5_0_q8 = detail::vec_dot_q5_0_q8_avx2;
  k.vec_dot_q5_1_q8 = detail::vec_dot_q5_1_q8_avx2;
  k.vec_dot_q4_k_q8 = detail::vec_dot_q4_k_q8_avx2;
  k.vec_dot_q5_k_q8 = detail::vec_dot_q5_k_q8_avx2;
  k.vec_dot_q6_k_q8 = detail::vec_dot_q6_k_q8_avx2;
  k.vec_dot_f32 = detail::vec_dot_f32_avx2;
  k.vec_dot_f16 = detail::vec_dot_f16_avx2;
  k.vec_dot_bf16 = detail::vec_dot_bf16_avx2;
  k.vec_dot_x4_q8_0_q8 = detail::vec_dot_x4_q8_0_q8_avx2;
  k.vec_dot_x4_q4_0_q8 = detail::vec_dot_x4_q4_0_q8_avx2;
  k.vec_dot_x4_q4_1_q8 = detail::vec_dot_x4_q4_1_q8_avx2;
  return k;
}

QuantKernels make_avx512() {
  QuantKernels k = make_avx2();
  k.isa = CpuIsa::Avx512;
  k.vec_dot_q8_0_q8 = detail::vec_dot_q8_0_q8_avx512;
  k.vec_dot_q4_0_q8 = detail::vec_dot_q4_0_q8_avx512;
  k.vec_dot_q4_1_q8 = detail::vec_dot_q4_1_q8_avx512;
  k.vec_dot_f32 = detail::vec_dot_f32_avx512;
  k.vec_dot_f16 = detail::vec_dot_f16_avx512;
  k.vec_dot_bf16 = detail::vec_dot_bf16_avx512;
  k.vec_dot_x4_q8_0_q8 = nullptr;  // the rows and tile kernels below, in their own arithmetic
  k.vec_dot_x4_q4_0_q8 = nullptr;
  k.vec_dot_x4_q4_1_q8 = detail::vec_dot_x4_q4_1_q8_avx512;
  k.vec_dot_rows_q8_0_q8 = detail::vec_dot_rows_q8_0_q8_avx512;
  k.vec_dot_rows_q4_0_q8 = detail::vec_dot_rows_q4_0_q8_avx512;
  k.vec_dot_tile_q8_0_q8 = detail::vec_dot_tile_q8_0_q8_avx512;
  k.vec_dot_tile_q4_0_q8 = detail::vec_dot_tile_q4_0_q8_avx512;
  k.quantize_act_q8_0 = detail::quantize_row_q8_0_avx512;
  return k;
}

const QuantKernels kScalar = make_scalar();
const QuantKernels kAvx2 = make_avx2();
const QuantKernels kAvx512 = make_avx512();

CpuIsa best_supported() {
  if (cpu_supports(CpuIsa::Avx512)) return CpuIsa::Avx512;
  if (cpu_supports(CpuIsa::Avx2)) return CpuIsa::Avx2;
  return CpuIsa::Scalar;
}

// EDGESERVE_CPU_ISA forces a level for tests and benchmarks; never above what the CPU runs.
CpuIsa selected_isa() {
  const CpuIsa best = best_supported();
  const char* env = std::getenv("EDGESERVE_CPU_ISA");
  if (env == nullptr || *env == '\0') return best;
  const std::string name = env;
  CpuIsa wanted;
  if (name == "scalar") wanted = CpuIsa::Scalar;
  else if (name == "avx2") wanted = CpuIsa::Avx2;
  else if (name == "avx512") wanted = CpuIsa::Avx512;
  else {
    std::fprintf(stderr, "EDGESERVE_CPU_ISA=%s: expected scalar|avx2|avx512; using %s\n", env,
                 std::string(cpu_isa_name(best)).c_str());
    return best;
  }
  if (!cpu_supports(wanted)) {
    std::fprintf(stderr, "EDGESERVE_CPU_ISA=%s: not supported by this CPU; using %s\n", env,
                 std::string(cpu_isa_name(best)).c_str());
    return best;
  }
  return wanted;
}

}  // namespace

std::string_view cpu_isa_name(CpuIsa isa) {
  switch (isa) {
    case CpuIsa::Scalar: return "scalar";
    case CpuIsa::Avx2: return "avx2";
    case CpuIsa::Avx512: return "avx512";
  }
  return "?";
}

bool cpu_supports(CpuIsa isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  switch (isa) {
    case CpuIsa::Scalar: return true;
    case CpuIsa::Avx2: return avx2;
    case CpuIsa::Avx512:
      return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  }
  return false;
#else
  return isa == CpuIsa::Scalar;
#endif
}

VecDotFn QuantKernels::vec_dot(DType weight) const {
  switch (weight) {
    case DType::Q8_0: return vec_dot_q8_0_q8;
    case DType::Q4_0: return vec_dot_q4_0_q8;
    case DType::Q4_1: return vec_dot_q4_1_q8;
    case DType::Q5_0: return vec_dot_q5_0_q8;
    case DType::Q5_1: return vec_dot_q5_1_q8;
    case DType::Q4_K: return vec_dot_q4_k_q8;
    case DType::Q5_K: return vec_dot_q5_k_q8;
    case DType::Q6_K: return vec_dot_q6_k_q8;
    case DType::F32: return vec_dot_f32;
    case DType::F16: return vec_dot_f16;
    case DType::BF16: return vec_dot_bf16;
    default: return nullptr;
  }
}

VecDotX4Fn QuantKernels::vec_dot_x4(DType weight) const {
  switch (weight) {
    case DType::Q8_0: return vec_dot_x4_q8_0_q8;
    case DType::Q4_0: return vec_dot_x4_q4_0_q8;
    case DType::Q4_1: return vec_dot_x4_q4_1_q8;
    default: return nullptr;
  }
}

VecDotRowsFn QuantKernels::vec_dot_rows(DType weight) const {
  switch (weight) {
    case DType::Q8_0: return vec_dot_rows_q8_0_q8;
    case DType::Q4_0: return vec_dot_rows_q4_0_q8;
    default: return nullptr;
  }
}

VecDotTileFn QuantKernels::vec_dot_tile(DType weight) const {
  switch (weight) {
    case DType::Q8_0: return vec_dot_tile_q8_0_q8;
    case DType::Q4_0: return vec_dot_tile_q4_0_q8;
    default: return nullptr;
  }
}

bool has_vec_dot(DType weight) { return kScalar.vec_dot(weight) != nullptr; }

DType activation_dtype(DType weight) {
  switch (weight) {
    case DType::Q8_0: case DType::Q4_0: case DType::Q4_1: case DType::Q5_0: case DType::Q5_1:
      return DType::Q8_0;
    case DType::Q4_K: case DType::Q5_K: case DType::Q6_K:
      return DType::Q8_K;
    case DType::F32: case DType::F16: case DType::BF16:
      return DType::F32;
    default:
      throw std::invalid_argument("activation_dtype: no dot kernel for " + std::string(dtype_name(weight)) +
                                  " weights");
  }
}

const QuantKernels& quant_kernels() {
  static const QuantKernels& selected = quant_kernels_for(selected_isa());
  return selected;
}

const QuantKernels& quant_kernels_for(CpuIsa isa) {
  if (!cpu_supports(isa)) {
    throw std::runtime_error("quant_kernels_for: this CPU does not support " + std::string(cpu_isa_name(isa)));
  }
  switch (isa) {
    case CpuIsa::Avx2: return kAvx2;
    case CpuIsa::Avx512: return kAvx512;
    default: return kScalar;
  }
}

}  // namespace edgeserve::quant
