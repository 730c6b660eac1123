// CpuBackend: shape checks and thread splitting around the kernels in row_ops, linear_* and paged_attention.
#include "engine/backend/cpu/cpu_backend.h"

#include <sys/mman.h>
#include "engine/backend/cpu/quant_linear.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "engine/backend/backend_check.h"
#include "engine/backend/op_checks.h"
#include "engine/backend/cpu/isa.h"
#include "engine/backend/cpu/linear_kernel.h"
#include "engine/backend/cpu/paged_attention.h"
#include "engine/backend/cpu/row_dequantizer.h"
#include "engine/backend/cpu/row_ops.h"

namespace edgeserve::cpu {
namespace {

const float* f32_data(const Weight& w) {
  return static_cast<const float*>(w.prepared_data != nullptr ? w.prepared_data : w.view.data);
}

}  // namespace

CpuBackend::CpuBackend(int num_threads)
    : pool_(num_threads > 0 ? num_threads : ThreadPool::default_num_threads()) {
  register_quant_kernels();
}

std::string CpuBackend::name() const {
  return "cpu(" + std::string(isa_level_name(isa_level())) + ", " + std::to_string(pool_.num_threads()) +
         " threads)";
}

DeviceBuffer CpuBackend::allocate(DType dtype, std::span<const int64_t> shape) {
  ES_CHECK(is_plain_float(dtype), "allocate: dtype must be F32, F16 or BF16");
  ES_CHECK(!shape.empty() && shape.size() <= 4, "allocate: 1 to 4 dimensions");
  DeviceTensor t;
  t.dtype = dtype;
  t.ndim = static_cast<int32_t>(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) t.shape[i] = shape[i];
  const size_t nbytes = tensor_nbytes(dtype, shape);       // throws on negative / overflowing shapes
  const size_t rounded = std::max<size_t>(64, (nbytes + 63) / 64 * 64);
  if (rounded >= kMapThreshold) {
    // Large buffers (the KV cache) come straight from the kernel: zero pages that only become resident when
    // written, so a generous KV budget costs memory only as blocks fill.
    void* p = mmap(nullptr, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    t.data = p;
    mapped_.emplace(p, rounded);
    return DeviceBuffer(this, t);
  }
  t.data = std::aligned_alloc(64, rounded);
  if (t.data == nullptr) throw std::bad_alloc();
  std::memset(t.data, 0, rounded);
  return DeviceBuffer(this, t);
}

void CpuBackend::free_memory(void* data) {
  const auto it = mapped_.find(data);
  if (it == mapped_.end()) {
    std::free(data);
    return;
  }
  munmap(it->first, it->second);
  mapped_.erase(it);
}

void CpuBackend::copy_to_device(const void* host, const DeviceTensor& dst) { std::memcpy(dst.data, host, dst.nbytes()); }
void CpuBackend::copy_to_host(const DeviceTensor& src, void* host) { std::memcpy(host, src.data, src.nbytes()); }

void* CpuBackend::scratch(size_t nbytes) {
  if (scratch_.size() < nbytes + 64) scratch_.resize(nbytes + 64);
  const uintptr_t p = reinterpret_cast<uintptr_t>(scratch_.data());
  return reinterpret_cast<void*>((p + 63) / 64 * 64);
}

Weight CpuBackend::prepare_weight(const TensorView& view) {
  Weight w;
  w.view = view;
  const bool matrix = view.shape.size() == 2;
  if (matrix) {  // a linear weight or an embedding table (tied embeddings are both)
    if (find_linear_kernel(view.dtype, detected_isa_level()) == nullptr &&
        find_row_dequantizer(view.dtype) == nullptr)
      throw std::invalid_argument("tensor '" + view.name + "': dtype " + std::string(dtype_name(view.dtype)) +
                                  " has no CPU linear kernel or row dequantizer");
    return w;
  }
  check_vector_weight(view);
  // Norm weights and biases: widen once so every op reads F32.
  auto storage = std::shared_ptr<float[]>(new float[view.shape[0]]);
  widen_row(view.data, view.dtype, view.shape[0], storage.get());
  w.prepared_data = storage.get();
  w.prepared = std::shared_ptr<void>(storage, storage.get());
  return w;
}

void CpuBackend::embedding(const Weight& table, std::span<const int32_t> token_ids, const DeviceTensor& out) {
  check_f32_2d(out, "embedding: out must be F32 [T, H]");
  const RowDequantizer dequantize = find_row_dequantizer(table.view.dtype);
  ES_CHECK(table.view.shape.size() == 2 && dequantize != nullptr, "embedding: table [vocab, H] of a dequantizable dtype");
  ES_CHECK(out.dim(0) == static_cast<int64_t>(token_ids.size()) && out.dim(1) == table.cols(), "embedding: out [T, H]");
  const int64_t vocab = table.rows(), hidden = table.cols();
  const size_t row_bytes = row_nbytes(table.view.dtype, hidden);
  for (int32_t id : token_ids) ES_CHECK(id >= 0 && id < vocab, "embedding: token id out of range");
  pool_.parallel_for(static_cast<int64_t>(token_ids.size()), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t)
      dequantize(table.view.data + static_cast<size_t>(token_ids[t]) * row_bytes, hidden, out.f32() + t * hidden);
  });
}

void CpuBackend::rms_norm(const DeviceTensor& x, const Weight& weight, float eps, const DeviceTensor& out) {
  check_f32_2d(x, "rms_norm: x must be F32 [T, H]");
  check_f32_2d(out, "rms_norm: out must be F32 [T, H]");
  ES_CHECK(out.dim(0) == x.dim(0) && out.dim(1) == x.dim(1), "rms_norm: out shape != x shape");
  ES_CHECK(weight.view.shape.size() == 1 && weight.cols() == x.dim(1), "rms_norm: weight [H]");
  const int64_t hidden = x.dim(1);
  const float* w = f32_data(weight);
  pool_.parallel_for(x.dim(0), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) rms_norm_row(x.f32() + t * hidden, w, eps, hidden, out.f32() + t * hidden);
  });
}

void CpuBackend::rms_norm_heads(const DeviceTensor& x, const Weight& weight, float eps) {
  check_f32_2d(x, "rms_norm_heads: x must be F32 [T, n_heads * head_dim]");
  ES_CHECK(weight.view.shape.size() == 1, "rms_norm_heads: weight [head_dim]");
  const int64_t head_dim = weight.cols();
  ES_CHECK(head_dim > 0 && x.dim(1) % head_dim == 0, "rms_norm_heads: row not a multiple of head_dim");
  const float* w = f32_data(weight);
  const int64_t num_rows = x.dim(0) * (x.dim(1) / head_dim);  // one row per (token, head)
  pool_.parallel_for(num_rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) rms_norm_row(x.f32() + r * head_dim, w, eps, head_dim, x.f32() + r * head_dim);
  });
}

void CpuBackend::linear(const DeviceTensor& x, const Weight& w, const Weight* bias, const DeviceTensor& y) {
  check_f32_2d(x, "linear: x must be F32 [T, in]");
  check_f32_2d(y, "linear: y must be F32 [T, out]");
  ES_CHECK(w.view.shape.size() == 2, "linear: W must be [out, in]");
  const int64_t num_tokens = x.dim(0), in = x.dim(1), out = w.rows();
  ES_CHECK(w.cols() == in && y.dim(0) == num_tokens && y.dim(1) == out, "linear: x [T, in], W [out, in], y [T, out]");
  ES_CHECK(x.data != y.data, "linear: y must not alias x");
  ES_CHECK(bias == nullptr || (bias->view.shape.size() == 1 && bias->cols() == out), "linear: bias [out]");
  // Quantized weights: the reference mode (no kernel), F32 activations (none at the scalar level: the
  // reference is that math) or the int8-activation kernels.
  const DType dtype = w.view.dtype;
  const LinearKernel* kernel = nullptr;
  if (!is_quantized(dtype)) kernel = find_linear_kernel(dtype, isa_level());
  else if (dequantize_reference_) kernel = nullptr;
  else if (activation_precision_ == ActivationPrecision::kF32) kernel = find_f32_activation_kernel(dtype, isa_level());
  else kernel = find_linear_kernel(dtype, isa_level());
  if (num_tokens == 0) return;
  if (kernel == nullptr) {  // the reference mode, or a dtype with only a row dequantizer: correct, slow
    linear_by_dequantizing(x, w, bias, y);
    return;
  }

  LinearArgs args;
  args.x = x.f32();
  args.num_tokens = num_tokens;
  args.in = in;
  args.w = w.view.data;
  args.w_row_bytes = row_nbytes(w.view.dtype, in);
  args.y = y.f32();
  args.out = out;
  if (kernel->prepare_activations != nullptr) {
    void* prepared = scratch(kernel->prepared_bytes(num_tokens, in));
    pool_.parallel_for(num_tokens, [&](int64_t begin, int64_t end) {
      kernel->prepare_activations(args.x, in, begin, end, prepared);
    });
    args.x_prepared = prepared;
  }
  const float* b = bias != nullptr ? f32_data(*bias) : nullptr;
  const int64_t unit = kernel->rows_per_unit;
  pool_.parallel_for((out + unit - 1) / unit, [&](int64_t begin, int64_t end) {
    const int64_t o_begin = begin * unit, o_end = std::min(out, end * unit);
    kernel->compute(args, o_begin, o_end);
    if (b != nullptr)
      for (int64_t t = 0; t < num_tokens; ++t)
        for (int64_t o = o_begin; o < o_end; ++o) args.y[t * out + o] += b[o];
  });
}

// Reference path for weights that have a row dequantizer but no linear kernel: each thread widens one weight
// row at a time into a thread-local buffer (grows once, then reused) and takes plain float dot products.
void CpuBackend::linear_by_dequantizing(const DeviceTensor& x, const Weight& w, const Weight* bias,
                                        const DeviceTensor& y) {
  const RowDequantizer dequantize = find_row_dequantizer(w.view.dtype);
  ES_CHECK(dequantize != nullptr, "linear: no kernel and no row dequantizer for the weight dtype");
  const int64_t num_tokens = x.dim(0), in = x.dim(1), out = w.rows();
  const size_t row_bytes = row_nbytes(w.view.dtype, in);
  const float* b = bias != nullptr ? f32_data(*bias) : nullptr;
  pool_.parallel_for(out, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> row;
    if (row.size() < static_cast<size_t>(in)) row.resize(static_cast<size_t>(in));
    for (int64_t o = begin; o < end; ++o) {
      dequantize(w.view.data + static_cast<size_t>(o) * row_bytes, in, row.data());
      for (int64_t t = 0; t < num_tokens; ++t) {
        const float* xt = x.f32() + t * in;
        float sum = 0.0f;
        for (int64_t k = 0; k < in; ++k) sum += xt[k] * row[k];
        y.f32()[t * out + o] = sum + (b != nullptr ? b[o] : 0.0f);
      }
    }
  });
}

void CpuBackend::rope(const DeviceTensor& q, const DeviceTensor& k, std::span<const int32_t> positions,
                      const RopeConfig& config) {
  check_f32_2d(q, "rope: q must be F32 [T, n_heads * head_dim]");
  check_f32_2d(k, "rope: k must be F32 [T, n_kv_heads * head_dim]");
  const int64_t hd = config.head_dim;
  ES_CHECK(hd > 0 && hd % 2 == 0 && hd <= 2 * kMaxAttentionHeadDim &&
               static_cast<int64_t>(config.inv_freq.size()) == hd / 2, "rope: head_dim even, inv_freq [head_dim/2]");
  ES_CHECK(q.dim(0) == static_cast<int64_t>(positions.size()) && k.dim(0) == q.dim(0), "rope: positions [T]");
  ES_CHECK(q.dim(1) % hd == 0 && k.dim(1) % hd == 0, "rope: rows not a multiple of head_dim");
  pool_.parallel_for(q.dim(0), [&](int64_t begin, int64_t end) {
    float cos[kMaxAttentionHeadDim], sin[kMaxAttentionHeadDim];
    for (int64_t t = begin; t < end; ++t) {
      rope_angles(positions[t], config, cos, sin);
      rope_row(q.f32() + t * q.dim(1), q.dim(1) / hd, config, cos, sin);
      rope_row(k.f32() + t * k.dim(1), k.dim(1) / hd, config, cos, sin);
    }
  });
}

void CpuBackend::store_kv(const DeviceTensor& k, const DeviceTensor& v, std::span<const int64_t> slot_mapping,
                          const DeviceTensor& k_cache, const DeviceTensor& v_cache) {
  const int64_t row = check_store_kv_args(k, v, slot_mapping, k_cache, v_cache);
  const size_t row_bytes = static_cast<size_t>(row) * (k_cache.dtype == DType::F32 ? 4 : 2);
  pool_.parallel_for(k.dim(0), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      if (slot_mapping[t] < 0) continue;  // padding token: nothing to store
      const size_t offset = static_cast<size_t>(slot_mapping[t]) * row_bytes;
      narrow_row(k.f32() + t * row, k_cache.dtype, row, static_cast<uint8_t*>(k_cache.data) + offset);
      narrow_row(v.f32() + t * row, v_cache.dtype, row, static_cast<uint8_t*>(v_cache.data) + offset);
    }
  });
}

void CpuBackend::attention(const DeviceTensor& q, const DeviceTensor& k_cache, const DeviceTensor& v_cache,
                           const AttentionMetadata& md, float scale, const DeviceTensor& out) {
  check_attention_args(q, k_cache, v_cache, md, out);
  const int64_t block_size = k_cache.dim(1), n_kv_heads = k_cache.dim(2), head_dim = k_cache.dim(3);
  ES_CHECK(head_dim <= kMaxAttentionHeadDim && block_size <= kMaxAttentionBlockSize, "attention: head_dim/block_size too large");
  ES_CHECK(q.dim(1) / (n_kv_heads * head_dim) <= kMaxAttentionGroup, "attention: n_heads / n_kv_heads > 16");
  PagedAttentionArgs args;
  args.q = q.f32();
  args.out = out.f32();
  args.k_cache = k_cache.data;
  args.v_cache = v_cache.data;
  args.kv_dtype = k_cache.dtype;
  args.block_size = block_size;
  args.n_heads = q.dim(1) / head_dim;
  args.n_kv_heads = n_kv_heads;
  args.head_dim = head_dim;
  args.scale = scale;
  args.metadata = &md;
  args.use_avx512 = isa_level() >= IsaLevel::kAvx512;
  pool_.parallel_for(md.num_seqs() * n_kv_heads,
                     [&](int64_t begin, int64_t end) { paged_attention_units(args, begin, end); });
}

void CpuBackend::silu_mul(const DeviceTensor& gate, const DeviceTensor& up, const DeviceTensor& out) {
  check_f32_2d(gate, "silu_mul: gate must be F32 [T, I]");
  ES_CHECK(up.shape == gate.shape && out.shape == gate.shape && up.dtype == DType::F32 && out.dtype == DType::F32,
           "silu_mul: gate, up, out [T, I]");
  const int64_t n = gate.dim(1);
  pool_.parallel_for(gate.dim(0), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) silu_mul_row(gate.f32() + t * n, up.f32() + t * n, n, out.f32() + t * n);
  });
}

void CpuBackend::add(const DeviceTensor& a, const DeviceTensor& b, const DeviceTensor& out) {
  check_f32_2d(a, "add: a must be F32 [T, H]");
  ES_CHECK(b.shape == a.shape && out.shape == a.shape && b.dtype == DType::F32 && out.dtype == DType::F32,
           "add: a, b, out [T, H]");
  const int64_t n = a.dim(1);
  pool_.parallel_for(a.dim(0), [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) add_row(a.f32() + t * n, b.f32() + t * n, n, out.f32() + t * n);
  });
}

void CpuBackend::gather_rows(const DeviceTensor& x, std::span<const int32_t> rows, const DeviceTensor& out) {
  check_f32_2d(x, "gather_rows: x must be F32 [T, H]");
  check_f32_2d(out, "gather_rows: out must be F32 [R, H]");
  ES_CHECK(out.dim(0) == static_cast<int64_t>(rows.size()) && out.dim(1) == x.dim(1), "gather_rows: out [R, H]");
  ES_CHECK(out.data != x.data, "gather_rows: out must not alias x");
  for (int32_t r : rows) ES_CHECK(r >= 0 && r < x.dim(0), "gather_rows: row out of range");
  const size_t row_bytes = static_cast<size_t>(x.dim(1)) * sizeof(float);
  for (size_t i = 0; i < rows.size(); ++i)
    std::memcpy(out.f32() + i * x.dim(1), x.f32() + rows[i] * x.dim(1), row_bytes);
}

}  // namespace edgeserve::cpu
