#include "engine/backend/cpu/quant_linear.h"

#include <algorithm>
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
  static constexpr int64_t kRowTile = 16;

  static DType act() { return quant::activation_dtype(W); }

  static size_t prepared_bytes(int64_t num_tokens, int64_t in) {
    return static_cast<size_t>(num_tokens) * row_nbytes(act(), in);
  }

  static void prepare(const float* x, int64_t in, int64_t token_begin, int64_t token_end, void* scratch) {
    const size_t row = row_nbytes(act(), in);
    for (int64_t t = token_begin; t < token_end; ++t)
      quant::quantize_row(act(), x + t * in, static_cast<uint8_t*>(scratch) + static_cast<size_t>(t) * row, in);
  }

  // y[t, o] for o in [out_begin, out_end). Prefill is bound by unpacking weight blocks, not by reading
  // them, so where a multi-token kernel exists each weight row is unpacked once per kMultiTokens tokens.
  // Rows go in tiles of kRowTile and tokens in groups inside a tile, so that the tile's weight rows and
  // the group's activation rows both stay in L1 while they are reused.
  static void compute(const LinearArgs& a, int64_t out_begin, int64_t out_end) {
    const quant::QuantKernels& kernels = quant::quant_kernels();
    const quant::VecDotFn dot = kernels.vec_dot(W);
    const quant::VecDotX4Fn dot_x4 = kernels.vec_dot_x4(W);
    const quant::VecDot2x4Fn dot_2x4 = kernels.vec_dot_2x4(W);  // two rows at once where the level has it
    const size_t act_row = row_nbytes(act(), a.in);
    const auto* x = static_cast<const uint8_t*>(a.x_prepared);
    const size_t y_stride = static_cast<size_t>(a.out);
    constexpr int64_t kTokens = quant::kMultiTokens;
    const int64_t grouped = dot_x4 != nullptr ? a.num_tokens / kTokens * kTokens : 0;
    for (int64_t tile = out_begin; tile < out_end; tile += kRowTile) {
      const int64_t tile_end = std::min(tile + kRowTile, out_end);
      for (int64_t t = 0; t < grouped; t += kTokens) {
        const uint8_t* x_t = x + static_cast<size_t>(t) * act_row;
        int64_t o = tile;
        if (dot_2x4 != nullptr) {
          for (; o + 2 <= tile_end; o += 2)
            dot_2x4(a.in, a.w + static_cast<size_t>(o) * a.w_row_bytes, a.w_row_bytes, x_t, act_row,
                    a.y + t * a.out + o, y_stride);
        }
        for (; o < tile_end; ++o)
          dot_x4(a.in, a.w + static_cast<size_t>(o) * a.w_row_bytes, x_t, act_row, a.y + t * a.out + o, y_stride);
      }
      for (int64_t o = tile; o < tile_end; ++o) {
        const uint8_t* w_row = a.w + static_cast<size_t>(o) * a.w_row_bytes;
        for (int64_t t = grouped; t < a.num_tokens; ++t)
          dot(a.in, w_row, x + static_cast<size_t>(t) * act_row, a.y + t * a.out + o);
      }
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
