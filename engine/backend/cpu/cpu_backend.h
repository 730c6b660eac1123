#pragma once
// CpuBackend: the reference implementation of Backend, and the CPU fast path. Activations live in host
// memory (64-byte aligned, zeroed; buffers of 1 MiB and more are mmapped, so untouched KV pages cost
// nothing), weights are used in place from the memory map (1-D weights: norms and biases are widened to F32
// once at prepare_weight). Ops check shapes (ES_CHECK), then split rows, output
// columns or (sequence, head) pairs over a persistent ThreadPool. Kernels follow the IsaLevel (isa.h).
// Owns the pool and a scratch buffer that grows to the largest step and then stays (no allocation once warm).
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/backend/cpu/f32_activation_linear.h"
#include "engine/util/thread_pool.h"

namespace edgeserve::cpu {

class CpuBackend final : public Backend {
 public:
  // num_threads <= 0: ThreadPool::default_num_threads() (physical cores).
  explicit CpuBackend(int num_threads = 0);
  ~CpuBackend() override = default;

  std::string name() const override;
  int num_threads() const { return pool_.num_threads(); }
  ThreadPool& thread_pool() { return pool_; }
  // Reference mode: quantized weights are dequantized row by row and multiplied in F32 (no activation
  // quantization), the computation the quantized kernels are tested against.  off -> on/off
  void set_dequantize_reference(bool on) { dequantize_reference_ = on; }
  // Activations of quantized weights: kInt8 (default) quantizes them per 32-block and runs the integer
  // kernels; kF32 keeps them in F32 against in-register dequantized weights (f32_activation_linear.h), the
  // reference's math up to summation order, batch-invariant. The reference mode above takes precedence.
  // (The commands choose per model: activation_precision_for() in server/commands/model_loading.h.)
  void set_activation_precision(ActivationPrecision precision) { activation_precision_ = precision; }
  ActivationPrecision activation_precision() const { return activation_precision_; }

  DeviceBuffer allocate(DType dtype, std::span<const int64_t> shape) override;
  void copy_to_device(const void* host, const DeviceTensor& dst) override;
  void copy_to_host(const DeviceTensor& src, void* host) override;
  void synchronize() override {}
  Weight prepare_weight(const TensorView& view) override;

  void embedding(const Weight& table, std::span<const int32_t> token_ids, const DeviceTensor& out) override;
  void rms_norm(const DeviceTensor& x, const Weight& weight, float eps, const DeviceTensor& out) override;
  void rms_norm_heads(const DeviceTensor& x, const Weight& weight, float eps) override;
  void linear(const DeviceTensor& x, const Weight& w, const Weight* bias, const DeviceTensor& y) override;
  void rope(const DeviceTensor& q, const DeviceTensor& k, std::span<const int32_t> positions,
            const RopeConfig& config) override;
  void store_kv(const DeviceTensor& k, const DeviceTensor& v, std::span<const int64_t> slot_mapping,
                const DeviceTensor& k_cache, const DeviceTensor& v_cache) override;
  void attention(const DeviceTensor& q, const DeviceTensor& k_cache, const DeviceTensor& v_cache,
                 const AttentionMetadata& metadata, float scale, const DeviceTensor& out) override;
  void silu_mul(const DeviceTensor& gate, const DeviceTensor& up, const DeviceTensor& out) override;
  void add(const DeviceTensor& a, const DeviceTensor& b, const DeviceTensor& out) override;
  void gather_rows(const DeviceTensor& x, std::span<const int32_t> rows, const DeviceTensor& out) override;

 protected:
  void free_memory(void* data) override;

 private:
  void* scratch(size_t nbytes);  // grows only; valid until the next call
  void linear_by_dequantizing(const DeviceTensor& x, const Weight& w, const Weight* bias, const DeviceTensor& y);

  static constexpr size_t kMapThreshold = size_t{1} << 20;   // buffers this large are mmapped (lazy zero pages)

  ThreadPool pool_;
  std::vector<uint8_t> scratch_;
  std::unordered_map<void*, size_t> mapped_;   // mmapped buffers and their sizes (engine thread only)
  bool dequantize_reference_ = false;
  ActivationPrecision activation_precision_ = ActivationPrecision::kInt8;
};

}  // namespace edgeserve::cpu
