// CudaBackend: shape checks (the CPU backend's, ES_CHECK) around the kernels of cuda_kernels.h and cuBLAS.
// See cuda_backend.h. Every op enqueues on stream_ and returns; nothing here synchronizes except
// copy_to_host, synchronize() and the growth of a scratch buffer that queued kernels may still read.
// This file: construction, memory, weights, step graphs and the ops without step metadata beyond token ids
// and rows; the paged ops (rope, store_kv, attention) are in cuda_backend_paged.cu.
#include "engine/backend/cuda/cuda_backend.h"

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <vector>

#include "engine/backend/backend_check.h"
#include "engine/backend/op_checks.h"
#include "engine/backend/cpu/quant/fp16.h"
#include "engine/backend/cuda/cuda_backend_impl.h"
#include "engine/backend/cuda/cuda_check.h"
#include "engine/backend/cuda/cuda_kernels.h"

namespace edgeserve::cuda {
namespace {

const float* f32_weight(const Weight& w, const char* what) {
  ES_CHECK(w.prepared_data != nullptr && w.view.shape.size() == 1, what);
  return static_cast<const float*>(w.prepared_data);
}

// Device memory owned by a Weight: freed when the last copy of the Weight goes.
std::shared_ptr<void> upload_bytes(const void* host, size_t nbytes) {
  void* device = nullptr;
  ES_CUDA_CHECK(cudaMalloc(&device, std::max<size_t>(nbytes, 1)));
  // The deleter must not throw; it waits for the device first because kernels on a non-blocking stream may
  // still read the weight when its last Weight goes.
  std::shared_ptr<void> owned(device, [](void* p) {
    cudaDeviceSynchronize();
    cudaFree(p);
  });
  ES_CUDA_CHECK(cudaMemcpy(device, host, nbytes, cudaMemcpyHostToDevice));
  return owned;
}

}  // namespace


CudaBackend::CudaBackend(int device) : impl_(std::make_unique<Impl>()) {
  impl_->device = device;
  ES_CUDA_CHECK(cudaSetDevice(device));
  cudaDeviceProp prop{};
  ES_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  impl_->device_name = prop.name;
  impl_->cc_major = prop.major;
  impl_->cc_minor = prop.minor;
  impl_->multiprocessor_count = std::max(1, prop.multiProcessorCount);
  ES_CUDA_CHECK(cudaStreamCreateWithFlags(&impl_->stream, cudaStreamNonBlocking));
  ES_CUBLAS_CHECK(cublasCreate(&impl_->cublas));
  ES_CUBLAS_CHECK(cublasSetStream(impl_->cublas, impl_->stream));
  ES_CUDA_CHECK(cudaMalloc(&impl_->cublas_workspace, kCublasWorkspaceBytes));
  ES_CUBLAS_CHECK(cublasSetWorkspace(impl_->cublas, impl_->cublas_workspace, kCublasWorkspaceBytes));
  impl_->staging = std::make_unique<MetadataStaging>(impl_->stream);
  impl_->graphs = std::make_unique<StepGraphs>(impl_->stream);
}

CudaBackend::~CudaBackend() = default;

void CudaBackend::set_attention_split(const AttentionSplitConfig& config) {
  ES_CHECK(config.partition_size > 0 && config.min_blocks_per_sm >= 0,
           "set_attention_split: partition_size > 0 and min_blocks_per_sm >= 0");
  impl_->attention_split = config;
}

const AttentionSplitConfig& CudaBackend::attention_split() const { return impl_->attention_split; }

int CudaBackend::multiprocessor_count() const { return impl_->multiprocessor_count; }

std::span<const int32_t> CudaBackend::graph_batch_sizes() const { return impl_->graph_sizes; }
void CudaBackend::begin_graph_step(uint64_t key) { impl_->graphs->begin(key, impl_->memory_epoch); }
bool CudaBackend::end_graph_step() { return impl_->graphs->end(); }
void CudaBackend::cancel_graph_step() { impl_->graphs->cancel(); }
CudaBackend::GraphStats CudaBackend::graph_stats() const {
  const StepGraphStats& s = impl_->graphs->stats();
  return {s.recorded, s.captured, s.replayed, s.refused, static_cast<int64_t>(impl_->graphs->num_graphs())};
}

std::string CudaBackend::name() const {
  return "cuda(" + impl_->device_name + ", sm_" + std::to_string(impl_->cc_major) + std::to_string(impl_->cc_minor) +
         ", device " + std::to_string(impl_->device) + ")";
}

DeviceBuffer CudaBackend::allocate(DType dtype, std::span<const int64_t> shape) {
  ES_CHECK(is_plain_float(dtype), "allocate: dtype must be F32, F16 or BF16");
  ES_CHECK(!shape.empty() && shape.size() <= 4, "allocate: 1 to 4 dimensions");
  DeviceTensor t;
  t.dtype = dtype;
  t.ndim = static_cast<int32_t>(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) t.shape[i] = shape[i];
  const size_t nbytes = std::max<size_t>(tensor_nbytes(dtype, shape), 1);  // throws on bad shapes
  const cudaError_t err = cudaMalloc(&t.data, nbytes);
  if (err == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear it: the caller may recover (smaller KV budget)
    throw std::bad_alloc();
  }
  ES_CUDA_CHECK(err);
  DeviceBuffer buffer(this, t);  // owns the memory from here on, also if the memset fails
  ES_CUDA_CHECK(cudaMemsetAsync(t.data, 0, nbytes, impl_->stream));
  return buffer;
}

void CudaBackend::free_memory(void* data) {
  // Called from DeviceBuffer's destructor: must not throw. Queued kernels may still use the buffer: wait.
  cudaStreamSynchronize(impl_->stream);
  ++impl_->memory_epoch;  // a graph may hold the address
  const cudaError_t err = cudaFree(data);
  if (err != cudaSuccess) std::fprintf(stderr, "edgeserve: cudaFree failed: %s\n", cudaGetErrorString(err));
}

void CudaBackend::copy_to_device(const void* host, const DeviceTensor& dst) {
  // Pageable host memory: the call returns once the bytes are staged, so `host` may be reused at once.
  ES_CUDA_CHECK(cudaMemcpyAsync(dst.data, host, dst.nbytes(), cudaMemcpyHostToDevice, impl_->stream));
}

void CudaBackend::copy_to_host(const DeviceTensor& src, void* host) {
  ES_CUDA_CHECK(cudaMemcpyAsync(host, src.data, src.nbytes(), cudaMemcpyDeviceToHost, impl_->stream));
  ES_CUDA_CHECK(cudaStreamSynchronize(impl_->stream));
}

void CudaBackend::synchronize() { ES_CUDA_CHECK(cudaStreamSynchronize(impl_->stream)); }

void CudaBackend::pin_host_memory(void* host, size_t nbytes) {
  if (host == nullptr || nbytes == 0) return;
  // Best effort: memory that cannot be registered (a limit, an unsupported platform) is copied through the
  // driver's bounce buffer as before.
  if (cudaHostRegister(host, nbytes, cudaHostRegisterDefault) != cudaSuccess) cudaGetLastError();
}

void CudaBackend::unpin_host_memory(void* host) noexcept {
  if (host == nullptr) return;
  cudaStreamSynchronize(impl_->stream);  // a queued copy may still write it
  if (cudaHostUnregister(host) != cudaSuccess) cudaGetLastError();  // never registered: nothing to undo
}

bool CudaBackend::supports_weight(const TensorView& view) {
  if (view.shape.size() == 2) return is_plain_float(view.dtype) || view.dtype == DType::Q8_0;
  return view.shape.size() == 1 && is_plain_float(view.dtype);
}

Weight CudaBackend::prepare_weight(const TensorView& view) {
  Weight w;
  w.view = view;
  if (view.shape.size() == 2) {  // linear weight or embedding table: uploaded as is
    if (!supports_weight(view))
      throw std::invalid_argument("tensor '" + view.name + "': dtype " + std::string(dtype_name(view.dtype)) +
                                  " has no CUDA kernel (F32, F16, BF16 and Q8_0 are supported)");
    size_t expected = 0;
    try {
      expected = tensor_nbytes(view.dtype, view.shape);  // also: the row is a whole number of blocks
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("tensor '" + view.name + "': " + e.what());
    }
    if (view.nbytes < expected)
      throw std::invalid_argument("tensor '" + view.name + "': " + std::to_string(view.nbytes) +
                                  " bytes, shape " + shape_to_string(view.shape) + " needs " + std::to_string(expected));
    w.prepared = upload_bytes(view.data, expected);
    w.prepared_data = w.prepared.get();
    return w;
  }
  check_vector_weight(view);
  // Norm weights and biases: widened to F32 once on the host (as the CPU backend does), then uploaded.
  const int64_t n = view.shape[0];
  std::vector<float> widened(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h = 0;
    switch (view.dtype) {
      case DType::F32: std::memcpy(&widened[i], view.data + 4 * i, 4); break;
      case DType::F16: std::memcpy(&h, view.data + 2 * i, 2); widened[i] = quant::fp16_to_fp32(h); break;
      default: std::memcpy(&h, view.data + 2 * i, 2); widened[i] = quant::bf16_to_fp32(h); break;
    }
  }
  w.prepared = upload_bytes(widened.data(), widened.size() * sizeof(float));
  w.prepared_data = w.prepared.get();
  return w;
}

void CudaBackend::embedding(const Weight& table, std::span<const int32_t> token_ids, const DeviceTensor& out) {
  check_f32_2d(out, "embedding: out must be F32 [T, H]");
  ES_CHECK(table.view.shape.size() == 2 && table.prepared_data != nullptr, "embedding: table [vocab, H] prepared here");
  ES_CHECK(out.dim(0) == static_cast<int64_t>(token_ids.size()) && out.dim(1) == table.cols(), "embedding: out [T, H]");
  const int64_t vocab = table.rows(), hidden = table.cols();
  for (int32_t id : token_ids) ES_CHECK(id >= 0 && id < vocab, "embedding: token id out of range");
  MetadataStaging& staging = *impl_->staging;
  staging.begin();
  const size_t ids_at = staging.add(token_ids);
  const Impl::OpLaunch op =
      impl_->enter_op(OpSignature(kEmbedding).add(table.prepared_data).add(uint64_t(table.view.dtype)).add(out));
  if (!op.launch) return;
  const uint8_t* base = op.metadata;
  launch_embedding(table.prepared_data, table.view.dtype, row_nbytes(table.view.dtype, hidden),
                   reinterpret_cast<const int32_t*>(base + ids_at), out.dim(0), hidden, out.f32(), impl_->stream);
}

void CudaBackend::rms_norm(const DeviceTensor& x, const Weight& weight, float eps, const DeviceTensor& out) {
  check_f32_2d(x, "rms_norm: x must be F32 [T, H]");
  check_f32_2d(out, "rms_norm: out must be F32 [T, H]");
  ES_CHECK(out.dim(0) == x.dim(0) && out.dim(1) == x.dim(1), "rms_norm: out shape != x shape");
  const float* w = f32_weight(weight, "rms_norm: weight [H] prepared here");
  ES_CHECK(weight.cols() == x.dim(1), "rms_norm: weight [H]");
  if (!impl_->enter_op_without_metadata(OpSignature(kRmsNorm).add(x).add(w).add(double(eps)).add(out)).launch) return;
  launch_rms_norm(x.f32(), w, eps, x.dim(0), x.dim(1), out.f32(), impl_->stream);
}

void CudaBackend::rms_norm_heads(const DeviceTensor& x, const Weight& weight, float eps) {
  check_f32_2d(x, "rms_norm_heads: x must be F32 [T, n_heads * head_dim]");
  const float* w = f32_weight(weight, "rms_norm_heads: weight [head_dim] prepared here");
  const int64_t head_dim = weight.cols();
  ES_CHECK(head_dim > 0 && x.dim(1) % head_dim == 0, "rms_norm_heads: row not a multiple of head_dim");
  if (!impl_->enter_op_without_metadata(
           OpSignature(kRmsNormHeads).add(x).add(w).add(double(eps)).add(uint64_t(head_dim))).launch)
    return;
  launch_rms_norm(x.f32(), w, eps, x.dim(0) * (x.dim(1) / head_dim), head_dim, x.f32(), impl_->stream);
}

void CudaBackend::linear(const DeviceTensor& x, const Weight& w, const Weight* bias, const DeviceTensor& y) {
  check_f32_2d(x, "linear: x must be F32 [T, in]");
  check_f32_2d(y, "linear: y must be F32 [T, out]");
  ES_CHECK(w.view.shape.size() == 2 && w.prepared_data != nullptr, "linear: W [out, in] prepared here");
  const int64_t num_tokens = x.dim(0), in = x.dim(1), out = w.rows();
  ES_CHECK(w.cols() == in && y.dim(0) == num_tokens && y.dim(1) == out, "linear: x [T, in], W [out, in], y [T, out]");
  ES_CHECK(x.data != y.data, "linear: y must not alias x");
  const float* b = bias != nullptr ? f32_weight(*bias, "linear: bias [out] prepared here") : nullptr;
  ES_CHECK(bias == nullptr || bias->cols() == out, "linear: bias [out]");
  if (num_tokens == 0 || out == 0) return;
  const DType dtype = w.view.dtype;
  if (!impl_->enter_op_without_metadata(
           OpSignature(kLinear).add(x).add(w.prepared_data).add(uint64_t(dtype)).add(uint64_t(out)).add(b).add(y)).launch)
    return;
  if (dtype == DType::Q8_0) {
    launch_q8_0_linear(x.f32(), static_cast<const uint8_t*>(w.prepared_data), row_nbytes(dtype, in), b, num_tokens,
                       in, out, y.f32(), impl_->stream);
    return;
  }
  ES_CHECK(is_plain_float(dtype), "linear: weight dtype F32, F16, BF16 or Q8_0");
  // Row-major y[T, out] = x[T, in] W[out, in]^T is, column-major, y^T (out x T) = W^T' * x^T where the
  // column-major view of W is (in x out): op(A) = transpose, lda = ldb = in, ldc = out.
  ES_CHECK(out <= INT32_MAX && in <= INT32_MAX && num_tokens <= INT32_MAX, "linear: dimensions exceed cuBLAS int");
  const void* b_operand = x.data;
  cudaDataType_t type = CUDA_R_32F;
  if (dtype != DType::F32) {  // cublasGemmEx needs A and B of one type: round x to the weight's 16-bit type
    type = dtype == DType::F16 ? CUDA_R_16F : CUDA_R_16BF;
    void* narrowed = impl_->reserve_scratch(impl_->activation_scratch, static_cast<size_t>(num_tokens * in) * 2);
    if (narrowed == nullptr) return;  // refused capture: the step re-runs eagerly
    launch_narrow_f32(x.f32(), num_tokens * in, dtype == DType::BF16, narrowed, impl_->stream);
    b_operand = narrowed;
  }
  const float alpha = 1.0f, beta = 0.0f;
  ES_CUBLAS_CHECK(cublasGemmEx(impl_->cublas, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(out),
                               static_cast<int>(num_tokens), static_cast<int>(in), &alpha, w.prepared_data, type,
                               static_cast<int>(in), b_operand, type, static_cast<int>(in), &beta, y.data, CUDA_R_32F,
                               static_cast<int>(out), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
  if (b != nullptr) launch_add_bias(y.f32(), b, num_tokens, out, impl_->stream);
}

void CudaBackend::silu_mul(const DeviceTensor& gate, const DeviceTensor& up, const DeviceTensor& out) {
  check_f32_2d(gate, "silu_mul: gate must be F32 [T, I]");
  ES_CHECK(up.shape == gate.shape && out.shape == gate.shape && up.dtype == DType::F32 && out.dtype == DType::F32,
           "silu_mul: gate, up, out [T, I]");
  if (!impl_->enter_op_without_metadata(OpSignature(kSiluMul).add(gate).add(up).add(out)).launch) return;
  launch_silu_mul(gate.f32(), up.f32(), gate.num_elements(), out.f32(), impl_->stream);
}

void CudaBackend::add(const DeviceTensor& a, const DeviceTensor& b, const DeviceTensor& out) {
  check_f32_2d(a, "add: a must be F32 [T, H]");
  ES_CHECK(b.shape == a.shape && out.shape == a.shape && b.dtype == DType::F32 && out.dtype == DType::F32,
           "add: a, b, out [T, H]");
  if (!impl_->enter_op_without_metadata(OpSignature(kAdd).add(a).add(b).add(out)).launch) return;
  launch_add(a.f32(), b.f32(), a.num_elements(), out.f32(), impl_->stream);
}

void CudaBackend::gather_rows(const DeviceTensor& x, std::span<const int32_t> rows, const DeviceTensor& out) {
  check_f32_2d(x, "gather_rows: x must be F32 [T, H]");
  check_f32_2d(out, "gather_rows: out must be F32 [R, H]");
  ES_CHECK(out.dim(0) == static_cast<int64_t>(rows.size()) && out.dim(1) == x.dim(1), "gather_rows: out [R, H]");
  ES_CHECK(out.data != x.data, "gather_rows: out must not alias x");
  for (int32_t r : rows) ES_CHECK(r >= 0 && r < x.dim(0), "gather_rows: row out of range");
  if (rows.empty()) return;
  MetadataStaging& staging = *impl_->staging;
  staging.begin();
  const size_t rows_at = staging.add(rows);
  const Impl::OpLaunch op = impl_->enter_op(OpSignature(kGatherRows).add(x).add(out));
  if (!op.launch) return;
  const uint8_t* base = op.metadata;
  launch_gather_rows(x.f32(), reinterpret_cast<const int32_t*>(base + rows_at), out.dim(0), x.dim(1), out.f32(),
                     impl_->stream);
}

}  // namespace edgeserve::cuda
