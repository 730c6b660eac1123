// AVX-512 Q8_0 activation quantizer: the bytes of quantize_row_q8_0 (quantize.cpp, the gguf-py reference)
// for every input, 32 floats per 512-bit pair of registers. Per step activations are quantized once per
// linear call, so the scalar reference (a libm roundf per element) cost prefill and batched decode ~10%.
// Each float step is the reference's: the block's largest magnitude (a max is exact in any order; NaNs
// are skipped as std::max skips them), d = amax / 127, id = 1 / d (0 for d = 0), x * id rounded (not
// fused: this file is compiled with -ffp-contract=off), round half away from zero from trunc and the exact
// remainder, non-finite products to 0 as numpy_int_cast does. Only this file's functions are AVX-512.
#include <immintrin.h>

#include <cassert>
#include <cstdint>
#include <limits>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/dot_impl.h"
#include "engine/backend/cpu/quant/fp16.h"

#pragma GCC push_options
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")

namespace edgeserve::quant::detail {
namespace {

// Bitwise ops on floats through the integer forms (the float forms need AVX512DQ, which cpu_supports()
// does not check).
inline __attribute__((always_inline)) __m512 abs_ps(__m512 v) {
  return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(0x7fffffff)));
}

// round(v) half away from zero as an int32, 0 where v is not finite.
inline __attribute__((always_inline)) __m512i round_away(__m512 v) {
  const __m512 truncated = _mm512_roundscale_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m512 remainder = abs_ps(_mm512_sub_ps(v, truncated));  // exact (0 for |v| >= 2^23)
  const __mmask16 away = _mm512_cmp_ps_mask(remainder, _mm512_set1_ps(0.5f), _CMP_GE_OQ);
  const __m512i sign = _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN));
  const __m512 one = _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(_mm512_set1_ps(1.0f)), sign));
  const __m512 rounded = _mm512_mask_add_ps(truncated, away, truncated, one);
  const __m512 inf = _mm512_set1_ps(std::numeric_limits<float>::infinity());
  const __mmask16 finite = _mm512_cmp_ps_mask(abs_ps(v), inf, _CMP_LT_OQ);  // false for NaN
  return _mm512_maskz_cvttps_epi32(finite, rounded);
}

}  // namespace

void quantize_row_q8_0_avx512(const float* x, void* dst, int64_t n) {
  assert(n % kQK == 0);
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    const __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
    // vmaxps returns its second operand when either is NaN: NaN elements leave the running max as it is
    const __m512 amax16 = _mm512_max_ps(abs_ps(x1), _mm512_max_ps(abs_ps(x0), _mm512_setzero_ps()));
    const float amax = _mm512_reduce_max_ps(amax16);
    const float d = amax / 127.0f;
    const float id = d == 0.0f ? 0.0f : 1.0f / d;
    y[b].d = fp32_to_fp16(d);
    const __m512 vid = _mm512_set1_ps(id);
    const __m512i q0 = round_away(_mm512_mul_ps(x0, vid)), q1 = round_away(_mm512_mul_ps(x1, vid));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y[b].qs), _mm512_cvtepi32_epi8(q0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y[b].qs + 16), _mm512_cvtepi32_epi8(q1));
  }
}

}  // namespace edgeserve::quant::detail

#pragma GCC diagnostic pop
#pragma GCC pop_options
