// CudaBackend's paged ops: rope, store_kv and attention, the ops that read the step's positions, slot
// mapping and block tables (see cuda_backend.h; the rest of the backend is in cuda_backend.cu).
#include <algorithm>
#include <span>

#include "engine/backend/backend_check.h"
#include "engine/backend/cuda/attention_tiles.cuh"
#include "engine/backend/cuda/cuda_backend.h"
#include "engine/backend/cuda/cuda_backend_impl.h"
#include "engine/backend/cuda/cuda_kernels.h"
#include "engine/backend/op_checks.h"

namespace edgeserve::cuda {
namespace {

template <typename T>
std::span<const T> as_span(const T* data, size_t n) { return {data, n}; }

}  // namespace

void CudaBackend::rope(const DeviceTensor& q, const DeviceTensor& k, std::span<const int32_t> positions,
                       const RopeConfig& config) {
  check_f32_2d(q, "rope: q must be F32 [T, n_heads * head_dim]");
  check_f32_2d(k, "rope: k must be F32 [T, n_kv_heads * head_dim]");
  const int64_t hd = config.head_dim;
  ES_CHECK(hd > 0 && hd % 2 == 0 && static_cast<int64_t>(config.inv_freq.size()) == hd / 2,
           "rope: head_dim even, inv_freq [head_dim/2]");
  ES_CHECK(q.dim(0) == static_cast<int64_t>(positions.size()) && k.dim(0) == q.dim(0), "rope: positions [T]");
  ES_CHECK(q.dim(1) % hd == 0 && k.dim(1) % hd == 0, "rope: rows not a multiple of head_dim");
  MetadataStaging& staging = *impl_->staging;
  staging.begin();
  const size_t positions_at = staging.add(positions);
  const size_t freq_at = staging.add(as_span(config.inv_freq.data(), config.inv_freq.size()));
  const Impl::OpLaunch op = impl_->enter_op(
      OpSignature(kRope).add(q).add(k).add(uint64_t(hd)).add(uint64_t(config.mode == RopeMode::kNeox)));
  if (!op.launch) return;
  const uint8_t* base = op.metadata;
  launch_rope(q.f32(), q.dim(1) / hd, k.f32(), k.dim(1) / hd, q.dim(0),
              reinterpret_cast<const int32_t*>(base + positions_at), reinterpret_cast<const float*>(base + freq_at),
              hd, config.mode == RopeMode::kNeox, impl_->stream);
}

void CudaBackend::store_kv(const DeviceTensor& k, const DeviceTensor& v, std::span<const int64_t> slot_mapping,
                           const DeviceTensor& k_cache, const DeviceTensor& v_cache) {
  const int64_t row = check_store_kv_args(k, v, slot_mapping, k_cache, v_cache);
  MetadataStaging& staging = *impl_->staging;
  staging.begin();
  const size_t slots_at = staging.add(slot_mapping);
  const Impl::OpLaunch op = impl_->enter_op(OpSignature(kStoreKv).add(k).add(v).add(k_cache).add(v_cache));
  if (!op.launch) return;
  const uint8_t* base = op.metadata;
  launch_store_kv(k.f32(), v.f32(), reinterpret_cast<const int64_t*>(base + slots_at), k.dim(0), row, k_cache.dtype,
                  k_cache.data, v_cache.data, impl_->stream);
}

void CudaBackend::attention(const DeviceTensor& q, const DeviceTensor& k_cache, const DeviceTensor& v_cache,
                            const AttentionMetadata& md, float scale, const DeviceTensor& out) {
  check_attention_args(q, k_cache, v_cache, md, out);
  const int64_t num_seqs = md.num_seqs();
  const int64_t block_size = k_cache.dim(1), n_kv_heads = k_cache.dim(2), head_dim = k_cache.dim(3);
  ES_CHECK(head_dim <= kMaxAttentionHeadDim, "attention: head_dim in (0, 512]");
  if (q.dim(0) == 0) return;
  PagedAttentionParams p;
  p.q = q.f32();
  p.out = out.f32();
  p.k_cache = k_cache.data;
  p.v_cache = v_cache.data;
  p.kv_dtype = k_cache.dtype;
  p.max_blocks_per_seq = md.max_blocks_per_seq;
  p.num_seqs = static_cast<int32_t>(num_seqs);
  p.num_tokens = q.dim(0);
  p.block_size = block_size;
  p.n_heads = q.dim(1) / head_dim;
  p.n_kv_heads = n_kv_heads;
  p.head_dim = head_dim;
  p.scale = scale;
  // T > 0, so some sequence has new tokens and (checked above) context_len >= q_len >= 1. A graph's plan
  // must not depend on the contexts, which change from replay to replay: it plans for the longest context
  // the block tables can hold (split blocks past a row's last key exit at once).
  const int64_t max_context_len = impl_->graphs->in_bracket()
                                      ? std::max<int64_t>(1, int64_t{md.max_blocks_per_seq} * block_size)
                                      : *std::max_element(md.context_lens.begin(), md.context_lens.end());
  const AttentionSplitPlan plan = plan_attention_split(impl_->attention_split, p.num_tokens, p.n_heads,
                                                       max_context_len, block_size, impl_->multiprocessor_count);
  // Unsplit launches with prefill rows are tiled (unless configured off): the tiles of the step's sequences,
  // built on the host. A pure decode step (one row per sequence) keeps the one-block-per-(token, head)
  // kernel: its tiles would hold one row, so under a small GQA group (Qwen3: 2 heads) most of the tiled
  // block's 16 query vectors would idle; which is faster for decode is for a GPU measurement to decide.
  // The tile count depends only on query_start; the signature holds it.
  const bool tiled = plan.num_partitions == 0 && impl_->attention_split.tiled && p.num_tokens > num_seqs;
  const int64_t num_tiles =
      tiled ? tiled::build_attention_tiles(md.query_start, tiled::rows_per_tile(p.n_heads / n_kv_heads),
                                           impl_->attention_tiles)
            : 0;
  MetadataStaging& staging = *impl_->staging;
  staging.begin();
  const size_t query_start_at = staging.add(md.query_start);
  const size_t context_lens_at = staging.add(md.context_lens);
  const size_t block_tables_at = staging.add(md.block_tables);
  const size_t tiles_at = tiled ? staging.add(std::span<const int32_t>(impl_->attention_tiles)) : 0;
  const Impl::OpLaunch op = impl_->enter_op(OpSignature(kAttention)
                                                .add(q).add(k_cache).add(v_cache).add(out).add(double(scale))
                                                .add(uint64_t(md.max_blocks_per_seq)).add(uint64_t(num_seqs))
                                                .add(uint64_t(plan.partition_size)).add(uint64_t(plan.num_partitions))
                                                .add(uint64_t(tiled)).add(uint64_t(num_tiles)));
  if (!op.launch) return;
  p.query_start = reinterpret_cast<const int32_t*>(op.metadata + query_start_at);
  p.context_lens = reinterpret_cast<const int32_t*>(op.metadata + context_lens_at);
  p.block_tables = reinterpret_cast<const int32_t*>(op.metadata + block_tables_at);
  if (tiled) {
    p.tiles = reinterpret_cast<const int32_t*>(op.metadata + tiles_at);
    p.num_tiles = num_tiles;
  }
  if (plan.num_partitions > 0) {
    p.partition_size = plan.partition_size;
    p.num_partitions = plan.num_partitions;
    const size_t nbytes = paged_attention_scratch_bytes(p.num_tokens, p.n_heads, p.num_partitions, head_dim);
    void* scratch = impl_->reserve_scratch(impl_->attention_scratch, nbytes);
    if (scratch == nullptr) return;  // refused capture: the step re-runs eagerly
    paged_attention_carve_scratch(scratch, p);
  }
  launch_paged_attention(p, impl_->stream);
}

}  // namespace edgeserve::cuda
