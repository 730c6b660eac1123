// AVX-512 (F, BW, VL, VNNI) dot kernels: two 32-element blocks per 512-bit register, integer products
// with vpdpbusd (u8 x s8 -> i32, no int16 saturation step). Only this file's own functions are compiled
// for AVX-512 (pragma below); kernels.cpp calls them only when cpu_supports(CpuIsa::Avx512). Q8_0 and
// Q4_0 are in dot_rows_avx512.cpp (the block-sum arithmetic they share with the tile kernels).
// BF16 weights are widened to F32 rather than fed to vdpbf16ps: that would round the activations to BF16
// too, and a mat-vec is bound by reading the weights, not by the multiply.
#include <immintrin.h>

#include <cassert>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/dot_impl.h"
#include "engine/backend/cpu/quant/fp16.h"

// After the includes: inline functions from headers must stay baseline-ISA (see dot_avx2.cpp).
#pragma GCC push_options
// GCC 12's AVX-512 headers trip -Wuninitialized on their own _mm512_undefined_* placeholders
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")
#include "engine/backend/cpu/quant/simd_avx512_helpers.h"

namespace edgeserve::quant::detail {
namespace {

float half(uint16_t h) { return _cvtsh_ss(h); }

// Lanes 0..7 get `lo`, lanes 8..15 get `hi`: the per-block scales of a two-block register.
__m512 two_scales(float lo, float hi) { return _mm512_mask_blend_ps(0xff00, _mm512_set1_ps(lo), _mm512_set1_ps(hi)); }

}  // namespace

// Runs step(acc, b, has_second) over block pairs: two accumulators in the unrolled main loop (no
// dependency between consecutive pairs, no tail checks), then the remaining pair or single block.
template <typename Step>
float over_block_pairs(int64_t num_blocks, Step step) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  int64_t b = 0;
  for (; b + 4 <= num_blocks; b += 4) {
    acc0 = step(acc0, b, true);
    acc1 = step(acc1, b + 2, true);
  }
  for (; b < num_blocks; b += 2) acc0 = step(acc0, b, b + 1 < num_blocks);
  return reduce_add_16(_mm512_add_ps(acc0, acc1));
}

void vec_dot_q4_1_q8_avx512(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ4_1*>(w_row);
  const auto* a = static_cast<const BlockQ8_0*>(act);
  const __m512i ones = _mm512_set1_epi8(1);
  *out = over_block_pairs(n / kQK, [w, a, ones](__m512 acc, int64_t b, bool has_second) __attribute__((always_inline)) {
    const __m512i q = unpack_nibble_pair(w[b].qs, has_second ? w[b + 1].qs : nullptr);
    const __m512i qa = load_pair(a[b].qs, has_second ? a[b + 1].qs : nullptr);
    const __m512i dot = _mm512_dpbusd_epi32(_mm512_setzero_si512(), q, qa);
    const __m512i sum_a = _mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, qa);
    const float da0 = half(a[b].d);
    const float da1 = has_second ? half(a[b + 1].d) : 0.0f;
    const float dw1 = has_second ? half(w[b + 1].d) : 0.0f;
    const float mw1 = has_second ? half(w[b + 1].m) : 0.0f;
    acc = _mm512_fmadd_ps(two_scales(half(w[b].d) * da0, dw1 * da1), _mm512_cvtepi32_ps(dot), acc);
    return _mm512_fmadd_ps(two_scales(half(w[b].m) * da0, mw1 * da1), _mm512_cvtepi32_ps(sum_a), acc);
  });
}

namespace {

// Plain-float rows: 16 lanes x 4 accumulators, then one masked step for the n % 16 tail.
template <typename LoadW>
float dot_float_rows(int64_t n, const float* a, LoadW load_w) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  __m512 acc2 = _mm512_setzero_ps(), acc3 = _mm512_setzero_ps();
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    acc0 = _mm512_fmadd_ps(load_w(i, 0xffff), _mm512_loadu_ps(a + i), acc0);
    acc1 = _mm512_fmadd_ps(load_w(i + 16, 0xffff), _mm512_loadu_ps(a + i + 16), acc1);
    acc2 = _mm512_fmadd_ps(load_w(i + 32, 0xffff), _mm512_loadu_ps(a + i + 32), acc2);
    acc3 = _mm512_fmadd_ps(load_w(i + 48, 0xffff), _mm512_loadu_ps(a + i + 48), acc3);
  }
  for (; i < n; i += 16) {
    const __mmask16 mask = n - i >= 16 ? __mmask16{0xffff} : static_cast<__mmask16>((1u << (n - i)) - 1);
    acc0 = _mm512_fmadd_ps(load_w(i, mask), _mm512_maskz_loadu_ps(mask, a + i), acc0);
  }
  return reduce_add_16(_mm512_add_ps(_mm512_add_ps(acc0, acc1), _mm512_add_ps(acc2, acc3)));
}

}  // namespace

void vec_dot_f32_avx512(int64_t n, const void* w_row, const void* act, float* out) {
  const auto* w = static_cast<const float*>(w_row);
  *out = dot_float_rows(n, static_cast<const float*>(act),
                        [w](int64_t i, __mmask16 mask) { return _mm512_maskz_loadu_ps(mask, w + i); });
}

void vec_dot_f16_avx512(int64_t n, const void* w_row, const void* act, float* out) {
  const auto* w = static_cast<const uint16_t*>(w_row);
  *out = dot_float_rows(n, static_cast<const float*>(act), [w](int64_t i, __mmask16 mask) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(mask, w + i));
  });
}

void vec_dot_bf16_avx512(int64_t n, const void* w_row, const void* act, float* out) {
  const auto* w = static_cast<const uint16_t*>(w_row);
  *out = dot_float_rows(n, static_cast<const float*>(act), [w](int64_t i, __mmask16 mask) {
    const __m512i wide = _mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(mask, w + i));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
  });
}

}  // namespace edgeserve::quant::detail

#pragma GCC diagnostic pop
#pragma GCC pop_options
