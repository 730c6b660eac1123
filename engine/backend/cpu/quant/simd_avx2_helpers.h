#pragma once
// AVX2 helpers shared by the AVX2 dot-product files. Include only AFTER `#pragma GCC target("avx2,fma,f16c")`:
// the functions have internal linkage, so each including file compiles its own copy for its target and no
// baseline caller can ever pick up an AVX2 body.
#include <immintrin.h>

#include <cstdint>

namespace edgeserve::quant::detail {
namespace {

[[maybe_unused]] float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

[[maybe_unused]] float half(uint16_t h) { return _cvtsh_ss(h); }

[[maybe_unused]] __m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

}  // namespace
}  // namespace edgeserve::quant::detail
