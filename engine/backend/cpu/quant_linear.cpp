#include "engine/backend/cpu/quant_linear.h"

#include <iterator>
#include <mutex>
#include <utility>

#include "engine/backend/cpu/linear_kernel.h"
#include "engine/backend/cpu/quant/dequantize.h"
#include "engine/backend/cpu/quant/kernels.h"
#include "engine/backend/cpu/quant/quantize.h"
#include "engine/backend/cpu/row_dequantizer.h"

namespace edgeserve::cpu {
namespace {

constexpr DType kQuantized[] = {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0,
                                DType::Q5_1, DType::Q4_K, DType::Q5_K, DType::Q6_K};

// One instantiation per weight dtype: LinearKernel holds plain function pointers.
template <DType W>
struct QuantLinear {
  static DType act() { return quant::activation_dtype(W); }

  static size_t prepared_bytes(int64_t num_tokens, int64_t in) {
    return static_cast<size_t>(num_tokens) * row_nbytes(act(), in);
  }

  static void prepare(const float* x, int64_t in, int64_t token_begin, int64_t token_end, void* scratch) {
    const size_t row = row_nbytes(act(), in);
    for (int64_t t = token_begin; t < token_end; ++t)
      quant::quantize_row(act(), x + t * in, static_cast<uint8_t*>(scratch) + static_cast<size_t>(t) * row, in);
  }

  // y[t, o] for o in [out_begin, out_end): each weight row is read once for all tokens.
  static void compute(const LinearArgs& a, int64_t out_begin, int64_t out_end) {
    const quant::VecDotFn dot = quant::quant_kernels().vec_dot(W);
    const size_t act_row = row_nbytes(act(), a.in);
    const auto* x = static_cast<const uint8_t*>(a.x_prepared);
    for (int64_t o = out_begin; o < out_end; ++o) {
      const uint8_t* w_row = a.w + static_cast<size_t>(o) * a.w_row_bytes;
      for (int64_t t = 0; t < a.num_tokens; ++t) dot(a.in, w_row, x + static_cast<size_t>(t) * act_row, a.y + t * a.out + o);
    }
  }

  static void dequantize(const uint8_t* row, int64_t n, float* out) { quant::dequantize_row(W, row, out, n); }

  static void add() {
    register_linear_kernel(W, IsaLevel::kScalar, LinearKernel{&prepared_bytes, &prepare, &compute, 16});
    register_row_dequantizer(W, &dequantize);
  }
};

template <size_t... I>
void register_all(std::index_sequence<I...>) {
  (QuantLinear<kQuantized[I]>::add(), ...);
}

}  // namespace

void register_quant_kernels() {
  static std::once_flag once;
  std::call_once(once, [] { register_all(std::make_index_sequence<std::size(kQuantized)>()); });
}

}  // namespace edgeserve::cpu
