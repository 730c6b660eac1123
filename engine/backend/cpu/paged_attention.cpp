// Paged attention on the CPU. For query token i of a sequence with q_len new tokens and context_len tokens
// in the cache (new ones last), the visible keys are [0, context_len - q_len + i] (causal). Keys are read
// block by block through the sequence's block table; scores of one block are exponentiated against the
// running maximum (online softmax). The query heads of one KV head (GQA group) share each block read.
#include "engine/backend/cpu/paged_attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/backend/cpu/avx512_reduce.h"
#include "engine/backend/cpu/quant/fp16.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define ES_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,f16c")))
#endif

namespace edgeserve::cpu {
namespace {

// Block ops: scores of one query against n keys of a block, and acc += sum_j p[j] * v_j. Rows are
// row_stride bytes apart (one token's K or V for all KV heads); `dtype` is F32 or F16.
inline float load_kv(const uint8_t* row, DType dtype, int64_t d) {
  if (dtype == DType::F32) return reinterpret_cast<const float*>(row)[d];
  return quant::fp16_to_fp32(reinterpret_cast<const uint16_t*>(row)[d]);
}

void score_block_scalar(const float* q, const uint8_t* k, size_t row_stride, int64_t n, int64_t hd, DType dtype,
                        float* scores) {
  for (int64_t j = 0; j < n; ++j) {
    const uint8_t* row = k + static_cast<size_t>(j) * row_stride;
    float partial[8] = {};
    for (int64_t d = 0; d < hd; ++d) partial[d % 8] += q[d] * load_kv(row, dtype, d);
    float sum = 0.0f;
    for (float p : partial) sum += p;
    scores[j] = sum;
  }
}

void accumulate_block_scalar(const float* p, const uint8_t* v, size_t row_stride, int64_t n, int64_t hd,
                             DType dtype, float* acc) {
  for (int64_t j = 0; j < n; ++j) {
    const uint8_t* row = v + static_cast<size_t>(j) * row_stride;
    for (int64_t d = 0; d < hd; ++d) acc[d] += p[j] * load_kv(row, dtype, d);
  }
}

#if defined(__x86_64__)
ES_AVX512 inline __m512 load16(const uint8_t* row, DType dtype, int64_t d, __mmask16 m) {
  if (dtype == DType::F32) return _mm512_maskz_loadu_ps(m, reinterpret_cast<const float*>(row) + d);
  return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, reinterpret_cast<const uint16_t*>(row) + d));
}

inline __mmask16 tail_mask(int64_t left) {
  return left >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << left) - 1);
}

ES_AVX512 void score_block_avx512(const float* q, const uint8_t* k, size_t row_stride, int64_t n, int64_t hd,
                                  DType dtype, float* scores) {
  for (int64_t j = 0; j < n; ++j) {
    const uint8_t* row = k + static_cast<size_t>(j) * row_stride;
    __m512 sum = _mm512_setzero_ps();
    for (int64_t d = 0; d < hd; d += 16) {
      const __mmask16 m = tail_mask(hd - d);
      sum = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, q + d), load16(row, dtype, d, m), sum);
    }
    scores[j] = reduce_add(sum);
  }
}

ES_AVX512 void accumulate_block_avx512(const float* p, const uint8_t* v, size_t row_stride, int64_t n, int64_t hd,
                                       DType dtype, float* acc) {
  for (int64_t d = 0; d < hd; d += 16) {  // acc slice stays in a register over the block's keys
    const __mmask16 m = tail_mask(hd - d);
    __m512 a = _mm512_maskz_loadu_ps(m, acc + d);
    for (int64_t j = 0; j < n; ++j)
      a = _mm512_fmadd_ps(_mm512_set1_ps(p[j]), load16(v + static_cast<size_t>(j) * row_stride, dtype, d, m), a);
    _mm512_mask_storeu_ps(acc + d, m, a);
  }
}
#endif

// scores[j] = exp(scores[j] - max) for j < n; returns their sum.
float exp_block_scalar(float* scores, int64_t n, float max) {
  float sum = 0.0f;
  for (int64_t j = 0; j < n; ++j) sum += (scores[j] = std::exp(scores[j] - max));
  return sum;
}

#if defined(__x86_64__)
// exp(x) for x <= 0: x = k*ln2 + r with |r| <= ln2/2 (ln2 split in a high and low part so r is exact to
// ~1 ulp), e^r by its degree-7 Taylor polynomial (truncation < 6e-9 relative), times 2^k by scalef.
// Inputs below -87 give ~1e-38 instead of a denormal; softmax weights that small are zero for F32 sums.
ES_AVX512 inline __m512 exp_nonpositive(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
  const __m512 k = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(k, _mm512_set1_ps(0.693145751953125f), x);   // ln2 high part (exact k*hi)
  r = _mm512_fnmadd_ps(k, _mm512_set1_ps(1.42860682030941723e-6f), r);     // ln2 low part
  __m512 p = _mm512_set1_ps(1.0f / 5040.0f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 720.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, k);
}

ES_AVX512 float exp_block_avx512(float* scores, int64_t n, float max) {
  __m512 sum = _mm512_setzero_ps();
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = tail_mask(n - j);
    const __m512 e = exp_nonpositive(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, scores + j), _mm512_set1_ps(max)));
    _mm512_mask_storeu_ps(scores + j, m, e);
    sum = _mm512_add_ps(sum, _mm512_maskz_mov_ps(m, e));
  }
  return reduce_add(sum);
}
#endif

struct BlockOps {
  void (*score)(const float*, const uint8_t*, size_t, int64_t, int64_t, DType, float*);
  void (*accumulate)(const float*, const uint8_t*, size_t, int64_t, int64_t, DType, float*);
  float (*exp_block)(float*, int64_t, float);
};

BlockOps select_ops(bool use_avx512) {
#if defined(__x86_64__)
  if (use_avx512) return {&score_block_avx512, &accumulate_block_avx512, &exp_block_avx512};
#endif
  return {&score_block_scalar, &accumulate_block_scalar, &exp_block_scalar};
}

}  // namespace

void paged_attention_units(const PagedAttentionArgs& a, int64_t unit_begin, int64_t unit_end) {
  const BlockOps ops = select_ops(a.use_avx512);
  const AttentionMetadata& md = *a.metadata;
  const int64_t hd = a.head_dim;
  const int64_t group = a.n_heads / a.n_kv_heads;
  const size_t elem = a.kv_dtype == DType::F32 ? 4 : 2;
  const size_t row_bytes = static_cast<size_t>(hd) * elem;                 // one head's K or V row
  const size_t slot_bytes = row_bytes * static_cast<size_t>(a.n_kv_heads);  // one token's K or V
  const uint8_t* k_base = static_cast<const uint8_t*>(a.k_cache);
  const uint8_t* v_base = static_cast<const uint8_t*>(a.v_cache);

  // Per query head of the group: its scaled query, output accumulator and running max / sum. The group's
  // heads take turns on each K/V block, so the block is read from memory once and from L1 after that.
  float scores[kMaxAttentionBlockSize];
  float q_scaled[kMaxAttentionGroup][kMaxAttentionHeadDim];
  float acc[kMaxAttentionGroup][kMaxAttentionHeadDim];
  float running_max[kMaxAttentionGroup];
  float running_sum[kMaxAttentionGroup];

  for (int64_t unit = unit_begin; unit < unit_end; ++unit) {
    const int64_t seq = unit / a.n_kv_heads;
    const int64_t kv_head = unit % a.n_kv_heads;
    const int64_t q_begin = md.query_start[seq];
    const int64_t q_len = md.query_start[seq + 1] - q_begin;
    const int64_t context_len = md.context_lens[seq];
    const int32_t* block_table = md.block_tables.data() + seq * md.max_blocks_per_seq;
    const size_t head_offset = static_cast<size_t>(kv_head) * row_bytes;

    for (int64_t i = 0; i < q_len; ++i) {
      const int64_t token = q_begin + i;
      const int64_t num_keys = context_len - q_len + i + 1;
      for (int64_t g = 0; g < group; ++g) {
        const float* q = a.q + (token * a.n_heads + kv_head * group + g) * hd;
        for (int64_t d = 0; d < hd; ++d) {
          q_scaled[g][d] = q[d] * a.scale;
          acc[g][d] = 0.0f;
        }
        running_max[g] = -INFINITY;
        running_sum[g] = 0.0f;
      }
      for (int64_t key0 = 0; key0 < num_keys; key0 += a.block_size) {
        const int64_t n = std::min(a.block_size, num_keys - key0);
        const size_t block_offset =
            static_cast<size_t>(block_table[key0 / a.block_size]) * static_cast<size_t>(a.block_size) * slot_bytes;
        const uint8_t* k_rows = k_base + block_offset + head_offset;
        const uint8_t* v_rows = v_base + block_offset + head_offset;
        if (key0 + a.block_size < num_keys) {  // the next block is elsewhere in the pool: fetch it early
          const size_t next_offset = static_cast<size_t>(block_table[key0 / a.block_size + 1]) *
                                     static_cast<size_t>(a.block_size) * slot_bytes + head_offset;
          const int64_t next_n = std::min(a.block_size, num_keys - key0 - a.block_size);
          for (int64_t j = 0; j < next_n; ++j)
            for (size_t line = 0; line < row_bytes; line += 64) {
              __builtin_prefetch(k_base + next_offset + static_cast<size_t>(j) * slot_bytes + line);
              __builtin_prefetch(v_base + next_offset + static_cast<size_t>(j) * slot_bytes + line);
            }
        }
        for (int64_t g = 0; g < group; ++g) {
          ops.score(q_scaled[g], k_rows, slot_bytes, n, hd, a.kv_dtype, scores);
          float block_max = -INFINITY;
          for (int64_t j = 0; j < n; ++j) block_max = std::max(block_max, scores[j]);
          const float new_max = std::max(running_max[g], block_max);
          const float correction = std::exp(running_max[g] - new_max);  // exp(-inf) = 0 on the first block
          running_sum[g] *= correction;
          for (int64_t d = 0; d < hd; ++d) acc[g][d] *= correction;
          running_sum[g] += ops.exp_block(scores, n, new_max);  // scores become the block's weights
          ops.accumulate(scores, v_rows, slot_bytes, n, hd, a.kv_dtype, acc[g]);
          running_max[g] = new_max;
        }
      }
      for (int64_t g = 0; g < group; ++g) {
        float* out = a.out + (token * a.n_heads + kv_head * group + g) * hd;
        const float inv_sum = 1.0f / running_sum[g];  // num_keys >= 1, so running_sum >= 1
        for (int64_t d = 0; d < hd; ++d) out[d] = acc[g][d] * inv_sum;
      }
    }
  }
}

}  // namespace edgeserve::cpu
