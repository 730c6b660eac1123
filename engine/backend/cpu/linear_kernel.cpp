// Registry of linear kernels by (dtype, ISA level): built-in F32/F16/BF16 kernels plus registered ones.
#include "engine/backend/cpu/linear_kernel.h"

#include <array>
#include <mutex>

namespace edgeserve::cpu {
namespace {

constexpr size_t kNumDTypeIds = 64;
constexpr size_t kNumLevels = 4;

struct Registry {
  std::array<std::array<LinearKernel, kNumLevels>, kNumDTypeIds> kernels{};
  std::array<std::array<bool, kNumLevels>, kNumDTypeIds> present{};
};

Registry& registry() {
  static Registry r = [] {
    Registry init;
    for (DType dtype : {DType::F32, DType::F16, DType::BF16}) {
      const size_t id = static_cast<size_t>(dtype);
      const LinearKernel* by_level[kNumLevels] = {scalar_linear_kernel(dtype), avx2_linear_kernel(dtype),
                                                  avx512_linear_kernel(dtype), avx512bf16_linear_kernel(dtype)};
      for (size_t level = 0; level < kNumLevels; ++level) {
        if (by_level[level] == nullptr) continue;
        init.kernels[id][level] = *by_level[level];
        init.present[id][level] = true;
      }
    }
    return init;
  }();
  return r;
}

}  // namespace

const LinearKernel* find_linear_kernel(DType dtype, IsaLevel level) {
  const size_t id = static_cast<size_t>(dtype);
  if (id >= kNumDTypeIds) return nullptr;
  Registry& r = registry();
  for (int l = static_cast<int>(level); l >= 0; --l) {
    if (r.present[id][l]) return &r.kernels[id][l];
  }
  return nullptr;
}

void register_linear_kernel(DType dtype, IsaLevel level, const LinearKernel& kernel) {
  const size_t id = static_cast<size_t>(dtype);
  if (id >= kNumDTypeIds) return;
  Registry& r = registry();
  r.kernels[id][static_cast<size_t>(level)] = kernel;
  r.present[id][static_cast<size_t>(level)] = true;
}

}  // namespace edgeserve::cpu
