#include "engine/backend/cpu/quant_linear.h"

#include <algorithm>
#include <cassert>
#include <iterator>
#include <mutex>
#include <utility>

#include "engine/backend/cpu/linear_kernel.h"
#include "engine/backend/cpu/quant/act_tile.h"
#include "engine/backend/cpu/quant/dequantize.h"
#include "engine/backend/cpu/quant/kernels.h"
#include "engine/backend/cpu/quant/quantize.h"
#include "engine/backend/cpu/row_dequantizer.h"

namespace edgeserve::cpu {
namespace {

constexpr DType kQuantized[] = {DType::Q8_0, DType::Q4_0, DType::Q4_1, DType::Q5_0,
                                DType::Q5_1, DType::Q4_K, DType::Q5_K, DType::Q6_K};

// One instantiation per weight dtype: LinearKernel holds plain function pointers.
//
// Prepared activations. Dtypes without a tile kernel at the selected level: one activation row per token,
// act_row bytes apart. Dtypes with one (Q8_0/Q4_0 at AVX-512): groups of kTileTokens tokens, each group
// `group_bytes` long: the group's activation rows (act_row apart: the rows kernel reads one), then its
// activation tile (act_tile.h). prepare() does not know the token count, so every group gets its tile;
// compute() uses a partial group's tile only when it holds more than kRowsTokens tokens.
template <DType W>
struct QuantLinear {
  static constexpr int64_t kRowTile = 16;
  // Tiles per call of the tile kernel over the rows: two, its step of R rows x 2 tiles (each weight
  // broadcast feeds both); the tiles stream from L2 when they do not fit L1, which measured no slower.
  static constexpr int64_t kTilesPerPass = 2;
  static constexpr int64_t kGroup = quant::kTileTokens;
  // A last partial group of more than kRowsTokens tokens is padded into a tile (the padding computed, not
  // stored); up to kRowsTokens go through the rows kernel in one pass over the weights.
  static constexpr int64_t kRowsTokens = quant::kMaxRowsKernelTokens;

  static DType act() { return quant::activation_dtype(W); }

  // Where prepare() puts each token's activation row and each group's tile (see the comment above).
  struct Layout {
    size_t act_row = 0;      // bytes of one activation row
    size_t group_bytes = 0;  // 0: no tiles, rows act_row apart
    explicit Layout(int64_t in) : act_row(row_nbytes(act(), in)) {
      if (quant::quant_kernels().vec_dot_tile(W) == nullptr) return;
      const size_t bytes = static_cast<size_t>(kGroup) * act_row + quant::act_tile_bytes(in);
      group_bytes = (bytes + 63) / 64 * 64;
    }
    bool has_tiles() const { return group_bytes != 0; }
    size_t row_offset(int64_t t) const {
      if (!has_tiles()) return static_cast<size_t>(t) * act_row;
      return static_cast<size_t>(t / kGroup) * group_bytes + static_cast<size_t>(t % kGroup) * act_row;
    }
    size_t tile_offset(int64_t group) const {
      return static_cast<size_t>(group) * group_bytes + static_cast<size_t>(kGroup) * act_row;
    }
    size_t total_bytes(int64_t num_tokens) const {
      if (!has_tiles()) return static_cast<size_t>(num_tokens) * act_row;
      return static_cast<size_t>((num_tokens + kGroup - 1) / kGroup) * group_bytes;
    }
  };

  static size_t prepared_bytes(int64_t num_tokens, int64_t in) { return Layout(in).total_bytes(num_tokens); }

  static void prepare(const float* x, int64_t in, int64_t token_begin, int64_t token_end, void* scratch) {
    auto* base = static_cast<uint8_t*>(scratch);
    const Layout layout(in);
    const quant::QuantizeRowFn quantize_q8_0 = quant::quant_kernels().quantize_act_q8_0;
    for (int64_t t = token_begin; t < token_end; ++t) {
      uint8_t* row = base + layout.row_offset(t);
      if (act() == DType::Q8_0) quantize_q8_0(x + t * in, row, in);
      else quant::quantize_row(act(), x + t * in, row, in);
      if (layout.has_tiles())
        quant::pack_act_tile_token(row, in, static_cast<int>(t % kGroup), base + layout.tile_offset(t / kGroup));
    }
  }

  // y[t, o] for o in [out_begin, out_end). Prefill and batched decode are bound by the multiply work, not
  // by reading weights. With tiles (AVX-512 Q8_0/Q4_0): token groups go through the tile kernel, up to
  // kTilesPerPass tiles per call over all the rows, a last partial group too when it holds at least
  // kRowsTokens + 1 tokens; fewer go through the rows kernel together. Both share one arithmetic, so
  // where a token lands never changes its result. Without tiles: compute_tokens.
  static void compute(const LinearArgs& a, int64_t out_begin, int64_t out_end) {
    const quant::QuantKernels& kernels = quant::quant_kernels();
    const Layout layout(a.in);
    const auto* x = static_cast<const uint8_t*>(a.x_prepared);
    if (!layout.has_tiles()) {
      compute_tokens(a, kernels, x, layout.act_row, 0, out_begin, out_end);
      return;
    }
    const quant::VecDotTileFn dot_tile = kernels.vec_dot_tile(W);
    const int64_t partial = a.num_tokens % kGroup;
    const bool pad_last = partial > kRowsTokens;
    const int64_t num_groups = a.num_tokens / kGroup + (pad_last ? 1 : 0);
    const int64_t per_pass = kTilesPerPass;
    for (int64_t g = 0; g < num_groups; g += per_pass) {
      const int64_t num_tiles = std::min(per_pass, num_groups - g);
      const bool has_partial = pad_last && g + num_tiles == num_groups;
      dot_tile(a.in, a.w + static_cast<size_t>(out_begin) * a.w_row_bytes, a.w_row_bytes, out_end - out_begin,
               x + layout.tile_offset(g), num_tiles, layout.group_bytes,
               has_partial ? static_cast<int>(partial) : static_cast<int>(kGroup), a.y + g * kGroup * a.out + out_begin,
               static_cast<size_t>(a.out));
    }
    const int64_t t_begin = std::min(num_groups * kGroup, a.num_tokens);
    const int64_t rest = a.num_tokens - t_begin;
    assert(rest <= kRowsTokens);
    if (rest > 0)
      kernels.vec_dot_rows(W)(a.in, a.w + static_cast<size_t>(out_begin) * a.w_row_bytes, a.w_row_bytes,
                              out_end - out_begin, x + layout.row_offset(t_begin), layout.act_row,
                              static_cast<int>(rest), a.y + t_begin * a.out + out_begin, static_cast<size_t>(a.out));
  }

  // Tokens [t_begin, num_tokens), token t's activation row at x_first + (t - t_begin) * act_stride.
  static void compute_tokens(const LinearArgs& a, const quant::QuantKernels& kernels, const uint8_t* x_first,
                             size_t act_stride, int64_t t_begin, int64_t out_begin, int64_t out_end) {
    const quant::VecDotFn dot = kernels.vec_dot(W);
    const quant::VecDotX4Fn dot_x4 = kernels.vec_dot_x4(W);
    const size_t y_stride = static_cast<size_t>(a.out);
    constexpr int64_t kTokens = quant::kMultiTokens;
    const int64_t grouped = dot_x4 != nullptr ? t_begin + (a.num_tokens - t_begin) / kTokens * kTokens : t_begin;
    const auto act_row_of = [&](int64_t t) { return x_first + static_cast<size_t>(t - t_begin) * act_stride; };
    for (int64_t tile = out_begin; tile < out_end; tile += kRowTile) {
      const int64_t tile_end = std::min(tile + kRowTile, out_end);
      for (int64_t t = t_begin; t < grouped; t += kTokens) {
        const uint8_t* x_t = act_row_of(t);
        for (int64_t o = tile; o < tile_end; ++o)
          dot_x4(a.in, a.w + static_cast<size_t>(o) * a.w_row_bytes, x_t, act_stride, a.y + t * a.out + o, y_stride);
      }
      for (int64_t o = tile; o < tile_end; ++o) {
        const uint8_t* w_row = a.w + static_cast<size_t>(o) * a.w_row_bytes;
        for (int64_t t = grouped; t < a.num_tokens; ++t) dot(a.in, w_row, act_row_of(t), a.y + t * a.out + o);
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
