#pragma once
// CudaBackend: the Backend op interface on one NVIDIA GPU. Activations and KV caches live in device memory
// (cudaMalloc, zeroed), weights are uploaded once by prepare_weight (Weight::prepared owns the device copy;
// 1-D norm weights and biases are widened to F32). Ops enqueue kernels / cuBLAS calls on the backend's own
// stream and return; copy_to_host and synchronize() wait for it. Host metadata spans (token ids, positions,
// slot mapping, block tables) are packed per op and copied, through a pinned host ring, to a device arena
// (metadata_staging.h). Padded decode steps run as CUDA graphs (step_graphs.h).
// Plain C++ header: no CUDA header leaks to CPU code (pimpl). Compiled only with EDGESERVE_WITH_CUDA.
#include <memory>

#include "engine/backend/backend.h"
#include "engine/backend/cuda/attention_split.h"

namespace edgeserve::cuda {

class CudaBackend final : public Backend {
 public:
  // Selects `device` (cudaSetDevice) and creates the stream and cuBLAS handle; throws std::runtime_error
  // when the device cannot be used.
  explicit CudaBackend(int device = 0);
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  std::string name() const override;

  DeviceBuffer allocate(DType dtype, std::span<const int64_t> shape) override;
  void copy_to_device(const void* host, const DeviceTensor& dst) override;
  void copy_to_host(const DeviceTensor& src, void* host) override;
  void synchronize() override;
  // cudaHostRegister / cudaHostUnregister: copy_to_host into page-locked memory runs at the bus's speed.
  void pin_host_memory(void* host, size_t nbytes) override;
  void unpin_host_memory(void* host) noexcept override;
  // Accepts 2-D F32, F16, BF16 and Q8_0 weights (linear, embedding) and 1-D F32/F16/BF16 weights.
  Weight prepare_weight(const TensorView& view) override;
  // Whether prepare_weight accepts `view`'s dtype at its rank (a model's weights can be checked before a
  // backend exists: `--device auto` runs a model with other formats on the CPU).
  static bool supports_weight(const TensorView& view);

  void embedding(const Weight& table, std::span<const int32_t> token_ids, const DeviceTensor& out) override;
  void rms_norm(const DeviceTensor& x, const Weight& weight, float eps, const DeviceTensor& out) override;
  void rms_norm_heads(const DeviceTensor& x, const Weight& weight, float eps) override;
  // F32 weights: SGEMM. F16/BF16 weights: x is rounded to the weight's 16-bit type and multiplied by
  // cublasGemmEx with F32 accumulation and F32 output. Q8_0: weight-only kernel with F32 activations.
  void linear(const DeviceTensor& x, const Weight& w, const Weight* bias, const DeviceTensor& y) override;
  void rope(const DeviceTensor& q, const DeviceTensor& k, std::span<const int32_t> positions,
            const RopeConfig& config) override;
  void store_kv(const DeviceTensor& k, const DeviceTensor& v, std::span<const int64_t> slot_mapping,
                const DeviceTensor& k_cache, const DeviceTensor& v_cache) override;
  // Paged attention; whether a launch splits each row's keys over several thread blocks follows
  // attention_split() (plan_attention_split with this GPU's SM count). The split path's partial states live in
  // a backend-owned scratch that grows geometrically (the growth waits for the stream).
  void attention(const DeviceTensor& q, const DeviceTensor& k_cache, const DeviceTensor& v_cache,
                 const AttentionMetadata& metadata, float scale, const DeviceTensor& out) override;
  // Split-K policy of attention (default: kAuto, 512-key partitions). Tests force kAlways / kNever to run both
  // kernels on the same shapes; affects attention calls made after it.
  void set_attention_split(const AttentionSplitConfig& config);
  const AttentionSplitConfig& attention_split() const;
  int multiprocessor_count() const;
  void silu_mul(const DeviceTensor& gate, const DeviceTensor& up, const DeviceTensor& out) override;
  void add(const DeviceTensor& a, const DeviceTensor& b, const DeviceTensor& out) override;
  void gather_rows(const DeviceTensor& x, std::span<const int32_t> rows, const DeviceTensor& out) override;

  // CUDA graphs of padded decode steps (step_graphs.h): a key is recorded eagerly, captured on its second
  // step and replayed as one launch after that.
  std::span<const int32_t> graph_batch_sizes() const override;
  void begin_graph_step(uint64_t key) override;
  bool end_graph_step() override;
  void cancel_graph_step() override;
  struct GraphStats {
    int64_t recorded = 0, captured = 0, replayed = 0, refused = 0;  // steps, since construction
    int64_t num_graphs = 0;                                         // executable graphs held now
  };
  GraphStats graph_stats() const;

 protected:
  void free_memory(void* data) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgeserve::cuda
