// Registry of row dequantizers, with the plain float types built in (see row_dequantizer.h).
#include "engine/backend/cpu/row_dequantizer.h"

#include <array>

#include "engine/backend/cpu/row_ops.h"

namespace edgeserve::cpu {
namespace {

constexpr size_t kNumDTypeIds = 64;

void widen_f32(const uint8_t* row, int64_t n, float* out) { widen_row(row, DType::F32, n, out); }
void widen_f16(const uint8_t* row, int64_t n, float* out) { widen_row(row, DType::F16, n, out); }
void widen_bf16(const uint8_t* row, int64_t n, float* out) { widen_row(row, DType::BF16, n, out); }

std::array<RowDequantizer, kNumDTypeIds>& registry() {
  static std::array<RowDequantizer, kNumDTypeIds> table = [] {
    std::array<RowDequantizer, kNumDTypeIds> init{};
    init[static_cast<size_t>(DType::F32)] = &widen_f32;
    init[static_cast<size_t>(DType::F16)] = &widen_f16;
    init[static_cast<size_t>(DType::BF16)] = &widen_bf16;
    return init;
  }();
  return table;
}

}  // namespace

RowDequantizer find_row_dequantizer(DType dtype) {
  const size_t id = static_cast<size_t>(dtype);
  return id < kNumDTypeIds ? registry()[id] : nullptr;
}

void register_row_dequantizer(DType dtype, RowDequantizer fn) {
  const size_t id = static_cast<size_t>(dtype);
  if (id < kNumDTypeIds) registry()[id] = fn;
}

}  // namespace edgeserve::cpu
