// Scalar reference dot products: per block an exact integer sum, then one float multiply-add per block in
// block order. The SIMD kernels are checked against these; they must stay simple enough to trust.
#include <cassert>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/dot_impl.h"
#include "engine/backend/cpu/quant/fp16.h"

namespace edgeserve::quant::detail {
namespace {

uint32_t load_qh(const uint8_t* qh) { return qh[0] | (qh[1] << 8) | (qh[2] << 16) | (uint32_t{qh[3]} << 24); }

// Sum over the block of q(j) * a[j] for 4-bit weights with an offset subtracted from each nibble.
int nibble_dot(const uint8_t* qs, const int8_t* a, int offset) {
  int sum = 0;
  for (int j = 0; j < kQK / 2; ++j) {
    sum += ((qs[j] & 0x0f) - offset) * a[j];
    sum += ((qs[j] >> 4) - offset) * a[j + kQK / 2];
  }
  return sum;
}

int q5_dot(const uint8_t* qs, const uint8_t* qh_bytes, const int8_t* a, int offset) {
  const uint32_t qh = load_qh(qh_bytes);
  int sum = 0;
  for (int j = 0; j < kQK / 2; ++j) {
    const int lo = (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
    const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
    sum += (lo - offset) * a[j] + (hi - offset) * a[j + kQK / 2];
  }
  return sum;
}

int block_sum(const int8_t* a) {
  int sum = 0;
  for (int j = 0; j < kQK; ++j) sum += a[j];
  return sum;
}

}  // namespace

void vec_dot_q8_0_q8_scalar(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ8_0*>(w_row);
  const auto* a = static_cast<const BlockQ8_0*>(act);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int sumi = 0;
    for (int j = 0; j < kQK; ++j) sumi += w[b].qs[j] * a[b].qs[j];
    sum += static_cast<float>(sumi) * (fp16_to_fp32(w[b].d) * fp16_to_fp32(a[b].d));
  }
  *out = sum;
}

void vec_dot_q4_0_q8_scalar(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ4_0*>(w_row);
  const auto* a = static_cast<const BlockQ8_0*>(act);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    const int sumi = nibble_dot(w[b].qs, a[b].qs, 8);
    sum += static_cast<float>(sumi) * (fp16_to_fp32(w[b].d) * fp16_to_fp32(a[b].d));
  }
  *out = sum;
}

// x = d*q + m, so dot = d*da*sum(q*a) + m*da*sum(a).
void vec_dot_q4_1_q8_scalar(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ4_1*>(w_row);
  const auto* a = static_cast<const BlockQ8_0*>(act);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    const float da = fp16_to_fp32(a[b].d);
    const int sumi = nibble_dot(w[b].qs, a[b].qs, 0);
    sum += static_cast<float>(sumi) * (fp16_to_fp32(w[b].d) * da) +
           static_cast<float>(block_sum(a[b].qs)) * (fp16_to_fp32(w[b].m) * da);
  }
  *out = sum;
}

void vec_dot_q5_0_q8_scalar(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ5_0*>(w_row);
  const auto* a = static_cast<const BlockQ8_0*>(act);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    const int sumi = q5_dot(w[b].qs, w[b].qh, a[b].qs, 16);
    sum += static_cast<float>(sumi) * (fp16_to_fp32(w[b].d) * fp16_to_fp32(a[b].d));
  }
  *out = sum;
}

void vec_dot_q5_1_q8_scalar(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK == 0);
  const auto* w = static_cast<const BlockQ5_1*>(w_row);
  const auto* a = static_cast<const BlockQ8_0*>(act);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    const float da = fp16_to_fp32(a[b].d);
    const int sumi = q5_dot(w[b].qs, w[b].qh, a[b].qs, 0);
    sum += static_cast<float>(sumi) * (fp16_to_fp32(w[b].d) * da) +
           static_cast<float>(block_sum(a[b].qs)) * (fp16_to_fp32(w[b].m) * da);
  }
  *out = sum;
}

// Q4_K/Q5_K: x = d*sc*q - dmin*m per sub-block of 32; the min term uses the activation's bsums.
template <bool kFiveBits, typename Block>
void vec_dot_k4_or_k5(int64_t n, const Block* w, const BlockQ8_K* a, float* out) {
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int sumi = 0, summ = 0;
    for (int sub = 0; sub < 8; ++sub) {
      uint8_t sc, m;
      get_scale_min_k4(sub, w[b].scales, &sc, &m);
      const uint8_t* q = w[b].qs + 32 * (sub / 2);
      const int shift = 4 * (sub % 2);
      const int8_t* y = a[b].qs + 32 * sub;
      int dot = 0;
      for (int l = 0; l < 32; ++l) {
        int value = (q[l] >> shift) & 0x0f;
        if constexpr (kFiveBits) value |= ((w[b].qh[l] >> sub) & 1) << 4;
        dot += value * y[l];
      }
      sumi += sc * dot;
      summ += m * (a[b].bsums[2 * sub] + a[b].bsums[2 * sub + 1]);
    }
    sum += a[b].d * fp16_to_fp32(w[b].d) * static_cast<float>(sumi) -
           a[b].d * fp16_to_fp32(w[b].dmin) * static_cast<float>(summ);
  }
  *out = sum;
}

void vec_dot_q4_k_q8_scalar(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK_K == 0);
  vec_dot_k4_or_k5<false>(n, static_cast<const BlockQ4_K*>(w_row), static_cast<const BlockQ8_K*>(act), out);
}

void vec_dot_q5_k_q8_scalar(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK_K == 0);
  vec_dot_k4_or_k5<true>(n, static_cast<const BlockQ5_K*>(w_row), static_cast<const BlockQ8_K*>(act), out);
}

// Q6_K: element l (0..31) of each quarter of a 128-element half takes 4 bits of ql and 2 of qh; the layout
// (see dequantize.cpp) puts quarter k's low nibble in ql[l + 32*(k%2)] >> 4*(k/2) and its high bits in
// qh[l] >> 2*k.
void vec_dot_q6_k_q8_scalar(int64_t n, const void* w_row, const void* act, float* out) {
  assert(n % kQK_K == 0);
  const auto* w = static_cast<const BlockQ6_K*>(w_row);
  const auto* a = static_cast<const BlockQ8_K*>(act);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int group_dots[kQK_K / 16] = {};
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = w[b].ql + 64 * half;
      const uint8_t* qh = w[b].qh + 32 * half;
      const int8_t* y = a[b].qs + 128 * half;
      for (int quarter = 0; quarter < 4; ++quarter) {
        const int ql_offset = 32 * (quarter % 2), ql_shift = 4 * (quarter / 2), qh_shift = 2 * quarter;
        for (int l = 0; l < 32; ++l) {
          const int q = ((ql[l + ql_offset] >> ql_shift) & 0x0f) | (((qh[l] >> qh_shift) & 0x03) << 4);
          group_dots[8 * half + 2 * quarter + l / 16] += (q - 32) * y[32 * quarter + l];
        }
      }
    }
    int sumi = 0;
    for (int g = 0; g < kQK_K / 16; ++g) sumi += w[b].scales[g] * group_dots[g];
    sum += a[b].d * fp16_to_fp32(w[b].d) * static_cast<float>(sumi);
  }
  *out = sum;
}

void vec_dot_f32_scalar(int64_t n, const void* w_row, const void* act, float* out) {
  const auto* w = static_cast<const float*>(w_row);
  const auto* a = static_cast<const float*>(act);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += w[i] * a[i];
  *out = sum;
}

void vec_dot_f16_scalar(int64_t n, const void* w_row, const void* act, float* out) {
  const auto* w = static_cast<const uint16_t*>(w_row);
  const auto* a = static_cast<const float*>(act);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += fp16_to_fp32(w[i]) * a[i];
  *out = sum;
}

void vec_dot_bf16_scalar(int64_t n, const void* w_row, const void* act, float* out) {
  const auto* w = static_cast<const uint16_t*>(w_row);
  const auto* a = static_cast<const float*>(act);
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += bf16_to_fp32(w[i]) * a[i];
  *out = sum;
}

}  // namespace edgeserve::quant::detail
