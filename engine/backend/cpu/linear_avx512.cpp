// AVX-512 linear kernels (F32 / F16 / BF16 weights, F32 activations, F32 FMA accumulation) and the
// AVX512-BF16 kernel (activations rounded to BF16 once per call, vdpbf16ps). Compiled with function-level
// target attributes so the build needs no -march; CpuBackend calls them only when the CPU has the ISA.
// Register tile: 4 weight rows x 4 tokens = 16 accumulators; tokens are blocked so that a block of x stays
// in L2 while the thread's weight rows stream past it.
#include <algorithm>
#include <cstring>

#include "engine/backend/cpu/avx512_reduce.h"
#include "engine/backend/cpu/quant/fp16.h"
#include "engine/backend/cpu/linear_kernel.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define ES_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
#define ES_AVX512BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,avx2,fma,f16c")))

namespace edgeserve::cpu {
namespace {

constexpr int kTileRows = 4;
constexpr int kTileTokens = 4;
constexpr int64_t kTokenBlock = 64;

struct LoadF32 {
  static constexpr int kBytes = 4;
  ES_AVX512 static inline __m512 load(const uint8_t* p) { return _mm512_loadu_ps(p); }
  ES_AVX512 static inline __m512 load_tail(const uint8_t* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
};
struct LoadF16 {
  static constexpr int kBytes = 2;
  ES_AVX512 static inline __m512 load(const uint8_t* p) {
    return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  ES_AVX512 static inline __m512 load_tail(const uint8_t* p, __mmask16 m) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
  }
};
struct LoadBF16 {
  static constexpr int kBytes = 2;
  ES_AVX512 static inline __m512 widen(__m256i h) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  ES_AVX512 static inline __m512 load(const uint8_t* p) {
    return widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  }
  ES_AVX512 static inline __m512 load_tail(const uint8_t* p, __mmask16 m) { return widen(_mm256_maskz_loadu_epi16(m, p)); }
};

// The 4x4 register tile is written with named accumulators: GCC 12 keeps an array of __m512 accumulators
// in memory (a store per FMA), which halves the speed. Edge tiles clamp their row / token pointers to the
// last valid one (recomputing it) and write only the valid outputs.
#define ES_ZERO4(r) __m512 c##r##0 = _mm512_setzero_ps(), c##r##1 = c##r##0, c##r##2 = c##r##0, c##r##3 = c##r##0;
#define ES_FMA4(r, w) c##r##0 = _mm512_fmadd_ps(w, x0, c##r##0); c##r##1 = _mm512_fmadd_ps(w, x1, c##r##1); \
  c##r##2 = _mm512_fmadd_ps(w, x2, c##r##2); c##r##3 = _mm512_fmadd_ps(w, x3, c##r##3);
#define ES_DOT4(r, w) c##r##0 = _mm512_dpbf16_ps(c##r##0, (__m512bh)(w), (__m512bh)x0); \
  c##r##1 = _mm512_dpbf16_ps(c##r##1, (__m512bh)(w), (__m512bh)x1); \
  c##r##2 = _mm512_dpbf16_ps(c##r##2, (__m512bh)(w), (__m512bh)x2); \
  c##r##3 = _mm512_dpbf16_ps(c##r##3, (__m512bh)(w), (__m512bh)x3);
#define ES_STORE4(r) sums[r][0] = reduce_add(c##r##0); sums[r][1] = reduce_add(c##r##1); \
  sums[r][2] = reduce_add(c##r##2); sums[r][3] = reduce_add(c##r##3);

// sums[r][t] = dot(W row r, x token t), F32 accumulation.
template <class L>
ES_AVX512 void tile4x4_f32(int64_t in, const uint8_t* const* rows, const float* const* xs, float sums[4][4]) {
  ES_ZERO4(0) ES_ZERO4(1) ES_ZERO4(2) ES_ZERO4(3)
  int64_t k = 0;
  for (; k + 16 <= in; k += 16) {
    const __m512 x0 = _mm512_loadu_ps(xs[0] + k), x1 = _mm512_loadu_ps(xs[1] + k);
    const __m512 x2 = _mm512_loadu_ps(xs[2] + k), x3 = _mm512_loadu_ps(xs[3] + k);
    const __m512 w0 = L::load(rows[0] + k * L::kBytes); ES_FMA4(0, w0)
    const __m512 w1 = L::load(rows[1] + k * L::kBytes); ES_FMA4(1, w1)
    const __m512 w2 = L::load(rows[2] + k * L::kBytes); ES_FMA4(2, w2)
    const __m512 w3 = L::load(rows[3] + k * L::kBytes); ES_FMA4(3, w3)
  }
  if (k < in) {
    const __mmask16 m = static_cast<__mmask16>((1u << (in - k)) - 1);
    const __m512 x0 = _mm512_maskz_loadu_ps(m, xs[0] + k), x1 = _mm512_maskz_loadu_ps(m, xs[1] + k);
    const __m512 x2 = _mm512_maskz_loadu_ps(m, xs[2] + k), x3 = _mm512_maskz_loadu_ps(m, xs[3] + k);
    const __m512 w0 = L::load_tail(rows[0] + k * L::kBytes, m); ES_FMA4(0, w0)
    const __m512 w1 = L::load_tail(rows[1] + k * L::kBytes, m); ES_FMA4(1, w1)
    const __m512 w2 = L::load_tail(rows[2] + k * L::kBytes, m); ES_FMA4(2, w2)
    const __m512 w3 = L::load_tail(rows[3] + k * L::kBytes, m); ES_FMA4(3, w3)
  }
  ES_STORE4(0) ES_STORE4(1) ES_STORE4(2) ES_STORE4(3)
}

// One token (mat-vec, decode of one sequence): 4 rows at a time. Each row keeps one accumulator summed in
// the same k order as tile4x4_f32, so a token's output is bitwise the same alone or batched (greedy
// outputs must not depend on the batch).
template <class L>
ES_AVX512 void tile4x1_f32(int64_t in, const uint8_t* const* rows, const float* x, float sums[4]) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  int64_t k = 0;
  for (; k + 16 <= in; k += 16) {
    const __m512 xv = _mm512_loadu_ps(x + k);
    a0 = _mm512_fmadd_ps(L::load(rows[0] + k * L::kBytes), xv, a0);
    a1 = _mm512_fmadd_ps(L::load(rows[1] + k * L::kBytes), xv, a1);
    a2 = _mm512_fmadd_ps(L::load(rows[2] + k * L::kBytes), xv, a2);
    a3 = _mm512_fmadd_ps(L::load(rows[3] + k * L::kBytes), xv, a3);
  }
  if (k < in) {
    const __mmask16 m = static_cast<__mmask16>((1u << (in - k)) - 1);
    const __m512 xv = _mm512_maskz_loadu_ps(m, x + k);
    a0 = _mm512_fmadd_ps(L::load_tail(rows[0] + k * L::kBytes, m), xv, a0);
    a1 = _mm512_fmadd_ps(L::load_tail(rows[1] + k * L::kBytes, m), xv, a1);
    a2 = _mm512_fmadd_ps(L::load_tail(rows[2] + k * L::kBytes, m), xv, a2);
    a3 = _mm512_fmadd_ps(L::load_tail(rows[3] + k * L::kBytes, m), xv, a3);
  }
  sums[0] = reduce_add(a0);
  sums[1] = reduce_add(a1);
  sums[2] = reduce_add(a2);
  sums[3] = reduce_add(a3);
}

// x_prepared: [num_tokens, padded_in(in)] BF16 with zero padding; pairs of elements per dpbf16 lane.
inline int64_t padded_in(int64_t in) { return (in + 31) / 32 * 32; }

ES_AVX512BF16 void tile4x4_bf16dot(int64_t in, const uint8_t* const* rows, const uint16_t* const* xs,
                                   float sums[4][4]) {
  ES_ZERO4(0) ES_ZERO4(1) ES_ZERO4(2) ES_ZERO4(3)
  for (int64_t k = 0; k < in; k += 32) {
    const int64_t left = in - k;
    const __mmask32 m = left >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((1u << left) - 1);
    const __m512i x0 = _mm512_loadu_si512(xs[0] + k), x1 = _mm512_loadu_si512(xs[1] + k);
    const __m512i x2 = _mm512_loadu_si512(xs[2] + k), x3 = _mm512_loadu_si512(xs[3] + k);
    const __m512i w0 = _mm512_maskz_loadu_epi16(m, rows[0] + 2 * k); ES_DOT4(0, w0)
    const __m512i w1 = _mm512_maskz_loadu_epi16(m, rows[1] + 2 * k); ES_DOT4(1, w1)
    const __m512i w2 = _mm512_maskz_loadu_epi16(m, rows[2] + 2 * k); ES_DOT4(2, w2)
    const __m512i w3 = _mm512_maskz_loadu_epi16(m, rows[3] + 2 * k); ES_DOT4(3, w3)
  }
  ES_STORE4(0) ES_STORE4(1) ES_STORE4(2) ES_STORE4(3)
}

ES_AVX512BF16 void tile4x1_bf16dot(int64_t in, const uint8_t* const* rows, const uint16_t* x, float sums[4]) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (int64_t k = 0; k < in; k += 32) {
    const int64_t left = in - k;
    const __mmask32 m = left >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((1u << left) - 1);
    const __m512bh xv = (__m512bh)_mm512_loadu_si512(x + k);
    a0 = _mm512_dpbf16_ps(a0, (__m512bh)_mm512_maskz_loadu_epi16(m, rows[0] + 2 * k), xv);
    a1 = _mm512_dpbf16_ps(a1, (__m512bh)_mm512_maskz_loadu_epi16(m, rows[1] + 2 * k), xv);
    a2 = _mm512_dpbf16_ps(a2, (__m512bh)_mm512_maskz_loadu_epi16(m, rows[2] + 2 * k), xv);
    a3 = _mm512_dpbf16_ps(a3, (__m512bh)_mm512_maskz_loadu_epi16(m, rows[3] + 2 * k), xv);
  }
  sums[0] = reduce_add(a0);
  sums[1] = reduce_add(a1);
  sums[2] = reduce_add(a2);
  sums[3] = reduce_add(a3);
}

// Walks [out_begin, out_end) x all tokens in 4x4 tiles (tokens blocked so x stays in L2); one-token calls
// take the 4x1 kernel.
template <class XPtr, class Tile4x4, class Tile4x1>
void run_tiles(const LinearArgs& a, int64_t out_begin, int64_t out_end, XPtr x_of, Tile4x4 tile4x4, Tile4x1 tile4x1) {
  const uint8_t* rows[4];
  if (a.num_tokens == 1) {
    for (int64_t o = out_begin; o < out_end; o += kTileRows) {
      const int ro = static_cast<int>(std::min<int64_t>(kTileRows, out_end - o));
      for (int r = 0; r < kTileRows; ++r) rows[r] = a.w + static_cast<size_t>(o + std::min(r, ro - 1)) * a.w_row_bytes;
      float sums[4];
      tile4x1(a.in, rows, x_of(0), sums);
      for (int r = 0; r < ro; ++r) a.y[o + r] = sums[r];
    }
    return;
  }
  for (int64_t tb = 0; tb < a.num_tokens; tb += kTokenBlock) {
    const int64_t tb_end = std::min(a.num_tokens, tb + kTokenBlock);
    for (int64_t o = out_begin; o < out_end; o += kTileRows) {
      const int ro = static_cast<int>(std::min<int64_t>(kTileRows, out_end - o));
      for (int r = 0; r < kTileRows; ++r) rows[r] = a.w + static_cast<size_t>(o + std::min(r, ro - 1)) * a.w_row_bytes;
      for (int64_t t = tb; t < tb_end; t += kTileTokens) {
        const int rt = static_cast<int>(std::min<int64_t>(kTileTokens, tb_end - t));
        decltype(x_of(0)) xs[4];
        for (int j = 0; j < kTileTokens; ++j) xs[j] = x_of(t + std::min(j, rt - 1));
        float sums[4][4];
        tile4x4(a.in, rows, xs, sums);
        for (int r = 0; r < ro; ++r)
          for (int j = 0; j < rt; ++j) a.y[(t + j) * a.out + o + r] = sums[r][j];
      }
    }
  }
}

template <class L>
void compute_f32_weights(const LinearArgs& a, int64_t b, int64_t e) {
  run_tiles(a, b, e, [&](int64_t t) { return a.x + t * a.in; }, &tile4x4_f32<L>, &tile4x1_f32<L>);
}

void compute_bf16dot(const LinearArgs& a, int64_t b, int64_t e) {
  const int64_t stride = padded_in(a.in);
  run_tiles(a, b, e, [&](int64_t t) { return static_cast<const uint16_t*>(a.x_prepared) + t * stride; },
            &tile4x4_bf16dot, &tile4x1_bf16dot);
}

void compute_f32(const LinearArgs& a, int64_t b, int64_t e) { compute_f32_weights<LoadF32>(a, b, e); }
void compute_f16(const LinearArgs& a, int64_t b, int64_t e) { compute_f32_weights<LoadF16>(a, b, e); }
void compute_bf16(const LinearArgs& a, int64_t b, int64_t e) { compute_f32_weights<LoadBF16>(a, b, e); }

size_t bf16_prepared_bytes(int64_t num_tokens, int64_t in) {
  return static_cast<size_t>(num_tokens * padded_in(in)) * sizeof(uint16_t);
}
void bf16_prepare(const float* x, int64_t in, int64_t token_begin, int64_t token_end, void* scratch) {
  const int64_t stride = padded_in(in);
  for (int64_t t = token_begin; t < token_end; ++t) {
    uint16_t* dst = static_cast<uint16_t*>(scratch) + t * stride;
    for (int64_t k = 0; k < in; ++k) dst[k] = quant::fp32_to_bf16(x[t * in + k]);
    for (int64_t k = in; k < stride; ++k) dst[k] = 0;
  }
}

const LinearKernel kF32{nullptr, nullptr, &compute_f32, 16};
const LinearKernel kF16{nullptr, nullptr, &compute_f16, 16};
const LinearKernel kBF16{nullptr, nullptr, &compute_bf16, 16};
const LinearKernel kBF16Dot{&bf16_prepared_bytes, &bf16_prepare, &compute_bf16dot, 16};

}  // namespace

const LinearKernel* avx512_linear_kernel(DType dtype) {
  switch (dtype) {
    case DType::F32: return &kF32;
    case DType::F16: return &kF16;
    case DType::BF16: return &kBF16;
    default: return nullptr;
  }
}

const LinearKernel* avx512bf16_linear_kernel(DType dtype) {
  return dtype == DType::BF16 ? &kBF16Dot : nullptr;  // F32 / F16 fall back to the AVX-512 level
}

}  // namespace edgeserve::cpu

#else  // not x86-64: no AVX-512 kernels

namespace edgeserve::cpu {
const LinearKernel* avx512_linear_kernel(DType) { return nullptr; }
const LinearKernel* avx512bf16_linear_kernel(DType) { return nullptr; }
}  // namespace edgeserve::cpu

#endif
