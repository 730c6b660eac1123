// AVX2+FMA(+F16C) linear kernels for F32 / F16 / BF16 weights with F32 activations and F32 accumulation.
// Register tile: 4 weight rows x 2 tokens (8 accumulators of the 16 ymm registers). The k tail (in not a
// multiple of 8) is finished in scalar code with the same element conversions as the scalar kernel.
#include <algorithm>
#include <cstring>

#include "engine/backend/cpu/quant/fp16.h"
#include "engine/backend/cpu/linear_kernel.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define ES_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace edgeserve::cpu {
namespace {

constexpr int kTileRows = 4;
constexpr int kTileTokens = 2;
constexpr int64_t kTokenBlock = 64;

struct LoadF32 {
  static constexpr int kBytes = 4;
  ES_AVX2 static inline __m256 load(const uint8_t* p) { return _mm256_loadu_ps(reinterpret_cast<const float*>(p)); }
  static inline float scalar(const uint8_t* p) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
};
struct LoadF16 {
  static constexpr int kBytes = 2;
  ES_AVX2 static inline __m256 load(const uint8_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  }
  static inline float scalar(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return quant::fp16_to_fp32(h);
  }
};
struct LoadBF16 {
  static constexpr int kBytes = 2;
  ES_AVX2 static inline __m256 load(const uint8_t* p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  static inline float scalar(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return quant::bf16_to_fp32(h);
  }
};

ES_AVX2 inline float horizontal_sum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// 4 rows x 2 tokens with named accumulators (GCC 12 keeps an accumulator array in memory). Edge tiles
// clamp row / token pointers to the last valid one and write only the valid outputs.
template <class L>
ES_AVX2 void tile4x2(int64_t in, const uint8_t* const* rows, const float* const* xs, float sums[4][2]) {
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  int64_t k = 0;
  for (; k + 8 <= in; k += 8) {
    const __m256 x0 = _mm256_loadu_ps(xs[0] + k), x1 = _mm256_loadu_ps(xs[1] + k);
    const __m256 w0 = L::load(rows[0] + k * L::kBytes);
    c00 = _mm256_fmadd_ps(w0, x0, c00);
    c01 = _mm256_fmadd_ps(w0, x1, c01);
    const __m256 w1 = L::load(rows[1] + k * L::kBytes);
    c10 = _mm256_fmadd_ps(w1, x0, c10);
    c11 = _mm256_fmadd_ps(w1, x1, c11);
    const __m256 w2 = L::load(rows[2] + k * L::kBytes);
    c20 = _mm256_fmadd_ps(w2, x0, c20);
    c21 = _mm256_fmadd_ps(w2, x1, c21);
    const __m256 w3 = L::load(rows[3] + k * L::kBytes);
    c30 = _mm256_fmadd_ps(w3, x0, c30);
    c31 = _mm256_fmadd_ps(w3, x1, c31);
  }
  const __m256 acc[4][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
  for (int r = 0; r < 4; ++r)
    for (int t = 0; t < 2; ++t) {
      float sum = horizontal_sum(acc[r][t]);
      for (int64_t kk = k; kk < in; ++kk) sum += xs[t][kk] * L::scalar(rows[r] + kk * L::kBytes);
      sums[r][t] = sum;
    }
}

template <class L>
void compute(const LinearArgs& a, int64_t out_begin, int64_t out_end) {
  const uint8_t* rows[4];
  const float* xs[2];
  for (int64_t tb = 0; tb < a.num_tokens; tb += kTokenBlock) {
    const int64_t tb_end = std::min(a.num_tokens, tb + kTokenBlock);
    for (int64_t o = out_begin; o < out_end; o += kTileRows) {
      const int ro = static_cast<int>(std::min<int64_t>(kTileRows, out_end - o));
      for (int r = 0; r < kTileRows; ++r) rows[r] = a.w + static_cast<size_t>(o + std::min(r, ro - 1)) * a.w_row_bytes;
      for (int64_t t = tb; t < tb_end; t += kTileTokens) {
        const int rt = static_cast<int>(std::min<int64_t>(kTileTokens, tb_end - t));
        for (int j = 0; j < kTileTokens; ++j) xs[j] = a.x + (t + std::min(j, rt - 1)) * a.in;
        float sums[4][2];
        tile4x2<L>(a.in, rows, xs, sums);
        for (int r = 0; r < ro; ++r)
          for (int j = 0; j < rt; ++j) a.y[(t + j) * a.out + o + r] = sums[r][j];
      }
    }
  }
}

void compute_f32(const LinearArgs& a, int64_t b, int64_t e) { compute<LoadF32>(a, b, e); }
void compute_f16(const LinearArgs& a, int64_t b, int64_t e) { compute<LoadF16>(a, b, e); }
void compute_bf16(const LinearArgs& a, int64_t b, int64_t e) { compute<LoadBF16>(a, b, e); }

const LinearKernel kF32{nullptr, nullptr, &compute_f32, 16};
const LinearKernel kF16{nullptr, nullptr, &compute_f16, 16};
const LinearKernel kBF16{nullptr, nullptr, &compute_bf16, 16};

}  // namespace

const LinearKernel* avx2_linear_kernel(DType dtype) {
  switch (dtype) {
    case DType::F32: return &kF32;
    case DType::F16: return &kF16;
    case DType::BF16: return &kBF16;
    default: return nullptr;
  }
}

}  // namespace edgeserve::cpu

#else

namespace edgeserve::cpu {
const LinearKernel* avx2_linear_kernel(DType) { return nullptr; }
}  // namespace edgeserve::cpu

#endif
