#pragma once
// reduce_add: horizontal sum of a __m512 without _mm512_reduce_add_ps, whose GCC 12 expansion warns
// (-Wuninitialized on an undefined vector). Include only from x86-64 files; callers carry the target attribute.
#if defined(__x86_64__)
#include <immintrin.h>

namespace edgeserve::cpu {

__attribute__((target("avx512f"))) inline float reduce_add(__m512 v) {
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, 0x4E));  // + other 256-bit half
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, 0xB1));  // + neighbouring 128-bit lane
  __m128 s = _mm512_castps512_ps128(v);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace edgeserve::cpu
#endif
