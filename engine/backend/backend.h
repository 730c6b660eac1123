#pragma once
// Backend: the op interface the decoder is written against once (ARCHITECTURE "Backend boundary").
// Activations live in backend memory as DeviceTensor views (F32 unless said otherwise, row-major, shape
// comments [T, H] = tokens x hidden); weights stay TensorViews of the mmapped file, wrapped in a Weight the
// backend may prepare at load (a device upload, a repack). Integer step metadata comes as host spans.
// Must not include device (CUDA) headers: CPU-only builds include it.
// Ops run in order on the engine thread; results are visible after synchronize() (the CPU runs them inline).
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "engine/backend/attention_metadata.h"
#include "engine/backend/rope.h"
#include "engine/tensor.h"

namespace edgeserve {

// A non-owning, dense, row-major view of backend memory with up to 4 dimensions (outermost first).
struct DeviceTensor {
  void* data = nullptr;
  DType dtype = DType::F32;
  std::array<int64_t, 4> shape{0, 0, 0, 0};
  int32_t ndim = 0;

  int64_t dim(int32_t i) const { return shape[i]; }
  int64_t rows() const { return ndim == 0 ? 1 : num_elements() / shape[ndim - 1]; }  // all but last dim
  int64_t cols() const { return ndim == 0 ? 1 : shape[ndim - 1]; }
  int64_t num_elements() const {
    int64_t n = 1;
    for (int32_t i = 0; i < ndim; ++i) n *= shape[i];
    return n;
  }
  size_t nbytes() const { return static_cast<size_t>(num_elements()) * dtype_info(dtype).block_bytes; }
  float* f32() const { return static_cast<float*>(data); }
  // The first `n` rows along dim 0 (a view of a batch-sized buffer for a smaller step).
  DeviceTensor first_rows(int64_t n) const {
    DeviceTensor t = *this;
    t.shape[0] = n;
    return t;
  }
};

class Backend;

// Owning backend memory (move-only); freed through the backend that allocated it, which must outlive it.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(Backend* owner, DeviceTensor tensor) : owner_(owner), tensor_(tensor) {}
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  const DeviceTensor& tensor() const { return tensor_; }
  bool empty() const { return tensor_.data == nullptr; }

 private:
  void release();  // frees the memory (if any); leaves the buffer empty

  Backend* owner_ = nullptr;
  DeviceTensor tensor_;
};

// A weight as the model uses it: the file's TensorView plus whatever the backend made of it at load.
// `prepared` is backend-owned storage (device copy, repacked layout); null when the view is used as is.
struct Weight {
  TensorView view;                  // shape [out, in] for linear, [vocab, H] for embedding, [H] for norms
  std::shared_ptr<void> prepared;   // opaque to the model
  const void* prepared_data = nullptr;

  bool empty() const { return view.data == nullptr; }
  int64_t rows() const { return view.shape.empty() ? 1 : view.num_elements() / view.shape.back(); }
  int64_t cols() const { return view.shape.empty() ? 1 : view.shape.back(); }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;

  // Memory --------------------------------------------------------------------------------------------
  // Dense zero-initialised buffer of `dtype` (F32, F16 or BF16 for activations and KV storage).
  virtual DeviceBuffer allocate(DType dtype, std::span<const int64_t> shape) = 0;
  virtual void copy_to_device(const void* host, const DeviceTensor& dst) = 0;  // dst.nbytes() bytes
  virtual void copy_to_host(const DeviceTensor& src, void* host) = 0;          // src.nbytes() bytes
  virtual void synchronize() = 0;
  // Validates the dtype (throws std::invalid_argument naming the tensor if no kernel handles it) and
  // prepares it for this backend. The TensorView's bytes must outlive the Weight.
  virtual Weight prepare_weight(const TensorView& view) = 0;

  // Ops -----------------------------------------------------------------------------------------------
  // out[t, :] = table[token_ids[t], :] converted (dequantized) to F32.   table [vocab, H], out [T, H]
  virtual void embedding(const Weight& table, std::span<const int32_t> token_ids, const DeviceTensor& out) = 0;
  // out = x * rsqrt(mean(x^2) + eps) * weight per row, in F32.  x, out [T, H] (may alias), weight [H]
  virtual void rms_norm(const DeviceTensor& x, const Weight& weight, float eps, const DeviceTensor& out) = 0;
  // In place per head (Qwen3 q/k norm): x [T, n_heads * head_dim], weight [head_dim]
  virtual void rms_norm_heads(const DeviceTensor& x, const Weight& weight, float eps) = 0;
  // y = x W^T (+ bias).  x [T, in] F32, W [out, in] (any dtype the backend accepts), bias [out] or null,
  // y [T, out] F32 (must not alias x).
  virtual void linear(const DeviceTensor& x, const Weight& w, const Weight* bias, const DeviceTensor& y) = 0;
  // In place rotary embedding of q [T, n_heads * head_dim] and k [T, n_kv_heads * head_dim] at positions [T].
  virtual void rope(const DeviceTensor& q, const DeviceTensor& k, std::span<const int32_t> positions,
                    const RopeConfig& config) = 0;
  // Writes row t of k/v [T, n_kv_heads * head_dim] into slot slot_mapping[t] (= block * block_size + offset)
  // of k_cache/v_cache [num_blocks, block_size, n_kv_heads, head_dim] (F32, or F16 rounded to nearest);
  // a negative slot skips the row.
  virtual void store_kv(const DeviceTensor& k, const DeviceTensor& v, std::span<const int64_t> slot_mapping,
                        const DeviceTensor& k_cache, const DeviceTensor& v_cache) = 0;
  // Causal paged attention with GQA, softmax scale `scale` (1/sqrt(head_dim)). Each new token attends to
  // its sequence's cached tokens up to and including itself: new token i of sequence s (q_len new tokens)
  // sees keys [0, context_lens[s] - q_len + i], which must equal positions[query_start[s] + i]. Call after
  // store_kv of this step's K/V. Rows of prefill, chunked-prefill and decode sequences mix freely.
  // q, out [T, n_heads * head_dim]; caches as in store_kv; n_heads % n_kv_heads == 0.
  virtual void attention(const DeviceTensor& q, const DeviceTensor& k_cache, const DeviceTensor& v_cache,
                         const AttentionMetadata& metadata, float scale, const DeviceTensor& out) = 0;
  // out = silu(gate) * up.  gate, up, out [T, I] (out may alias either)
  virtual void silu_mul(const DeviceTensor& gate, const DeviceTensor& up, const DeviceTensor& out) = 0;
  // out = a + b.  all [T, H] (out may alias either): the residual add
  virtual void add(const DeviceTensor& a, const DeviceTensor& b, const DeviceTensor& out) = 0;
  // out[i, :] = x[rows[i], :].  x [T, H], out [R, H]: the rows that sample, before lm_head
  virtual void gather_rows(const DeviceTensor& x, std::span<const int32_t> rows, const DeviceTensor& out) = 0;

  // Host memory that copy_to_host fills every step (the logits rows): a device backend may page-lock it so
  // the copy runs at the bus's speed instead of through the driver's bounce buffer. Optional, best effort
  // (the memory works either way); unpin before the memory is freed (PinnedHostMemory does both).
  virtual void pin_host_memory(void* host, size_t nbytes) { (void)host, (void)nbytes; }
  virtual void unpin_host_memory(void* host) noexcept { (void)host; }

  // Step graphs (optional: CUDA graphs on the GPU) ----------------------------------------------------
  // A backend that lists batch sizes here can record the ops of a step once and replay them as one launch
  // in later steps; the caller pads decode steps to one of these sizes (ascending; empty: no graphs).
  virtual std::span<const int32_t> graph_batch_sizes() const { return {}; }
  // Brackets the ops of one step (not allocate, copy_to_* or synchronize) as graph `key`. The caller
  // promises that every step under one key issues the same ops on the same tensors, with metadata spans of
  // the same sizes; only the metadata's values change. The backend checks it and refuses a replay that
  // differs. An exception inside the bracket must be followed by cancel_graph_step().
  virtual void begin_graph_step(uint64_t key) { (void)key; }
  // Ends the bracket. true: the ops took effect (run at once, captured, or replayed). false: the backend
  // refused to replay (the step did not match its recording) and ran nothing: the caller must issue the
  // same ops again, outside any bracket.
  virtual bool end_graph_step() { return true; }
  // Abandons an open bracket after an exception (nothing of it is run; the key is recorded afresh).
  virtual void cancel_graph_step() {}

 protected:
  friend class DeviceBuffer;
  virtual void free_memory(void* data) = 0;
};

// Pins host memory through a backend for this object's lifetime (Backend::pin_host_memory): declare it after
// the memory it pins, so that it is destroyed first. The backend must outlive it.
class PinnedHostMemory {
 public:
  PinnedHostMemory(Backend& backend, void* host, size_t nbytes) : backend_(backend), host_(host) {
    backend_.pin_host_memory(host_, nbytes);
  }
  ~PinnedHostMemory() { backend_.unpin_host_memory(host_); }
  PinnedHostMemory(const PinnedHostMemory&) = delete;
  PinnedHostMemory& operator=(const PinnedHostMemory&) = delete;

 private:
  Backend& backend_;
  void* host_;
};

inline DeviceBuffer::~DeviceBuffer() { release(); }
inline void DeviceBuffer::release() {
  if (owner_ != nullptr && tensor_.data != nullptr) owner_->free_memory(tensor_.data);
  owner_ = nullptr;
  tensor_ = {};
}
inline DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept : owner_(other.owner_), tensor_(other.tensor_) {
  other.owner_ = nullptr;
  other.tensor_ = {};
}
inline DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    tensor_ = other.tensor_;
    other.owner_ = nullptr;
    other.tensor_ = {};
  }
  return *this;
}

}  // namespace edgeserve
