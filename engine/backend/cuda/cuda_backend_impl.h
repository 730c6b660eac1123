#pragma once
// CudaBackend::Impl: the state behind CudaBackend (device, stream, cuBLAS, scratch buffers, metadata staging,
// step graphs) and the one path every op takes to its launch (enter_op), shared by cuda_backend.cu and
// cuda_backend_paged.cu. Internal to the CUDA backend (includes CUDA headers); one stream, one thread.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/backend/cuda/attention_split.h"
#include "engine/backend/cuda/cuda_backend.h"
#include "engine/backend/cuda/cuda_check.h"
#include "engine/backend/cuda/device_scratch.h"
#include "engine/backend/cuda/graph_op_log.h"
#include "engine/backend/cuda/metadata_staging.h"
#include "engine/backend/cuda/step_graphs.h"

namespace edgeserve::cuda {

// The op kinds of a graph signature (graph_op_log.h OpSignature).
enum OpKind : uint64_t { kEmbedding = 1, kRmsNorm, kRmsNormHeads, kLinear, kRope, kStoreKv, kAttention, kSiluMul,
                         kAdd, kGatherRows };

// Padded decode batch sizes that get a graph: vLLM's buckets (1, 2, 4, 8, then every 8).
inline std::vector<int32_t> default_graph_batch_sizes() {
  std::vector<int32_t> sizes = {1, 2, 4};
  for (int32_t b = 8; b <= 512; b += 8) sizes.push_back(b);
  return sizes;
}

// cuBLAS's workspace, set explicitly so that GEMMs captured into a graph allocate nothing (cuBLAS documents a
// user workspace for graph capture; 32 MiB is its recommendation for Hopper).
inline constexpr size_t kCublasWorkspaceBytes = size_t{32} << 20;

struct CudaBackend::Impl {
  int device = 0;
  std::string device_name;
  int cc_major = 0, cc_minor = 0;
  int multiprocessor_count = 1;
  AttentionSplitConfig attention_split;
  DeviceScratch attention_scratch;   // split attention's partial states (cuda_kernels.h PagedAttentionParams)
  // [num_tiles, 3] the tiles of the current tiled attention launch (attention_tiles.cuh), rebuilt by every
  // attention call from its query_start. A member, its capacity reused, so that its host address stays the
  // same across the layers of a step: a step graph shares one metadata slot among ops whose spans are the
  // same host memory (graph_op_log.h).
  std::vector<int32_t> attention_tiles;
  DeviceScratch activation_scratch;  // F16/BF16 copy of linear's activations
  cudaStream_t stream = nullptr;
  cublasHandle_t cublas = nullptr;
  void* cublas_workspace = nullptr;  // [kCublasWorkspaceBytes]
  std::unique_ptr<MetadataStaging> staging;
  std::unique_ptr<StepGraphs> graphs;
  std::vector<int32_t> graph_sizes = default_graph_batch_sizes();
  // Bumped whenever device memory a graph may have baked in is freed or moved (scratch growth, a freed
  // buffer): graphs of an older epoch are captured again (step_graphs.h).
  uint64_t memory_epoch = 0;

  // What an op does after staging its metadata (staging->begin() + add()): whether it launches its kernels,
  // and where they read the metadata. Eager: through the staging ring. In a graph bracket: logged (record),
  // or checked and placed in the graph's arena (capture launches into the capture; replay launches nothing).
  struct OpLaunch {
    bool launch = true;
    const uint8_t* metadata = nullptr;
  };
  OpLaunch enter_op(const OpSignature& signature) {
    switch (graphs->mode()) {
      case StepGraphs::Mode::kEager:
        break;
      case StepGraphs::Mode::kRecord:
        graphs->record(signature.value(), staging->spans(), staging->packed().size());
        break;
      case StepGraphs::Mode::kCapture:
      case StepGraphs::Mode::kReplay: {
        const bool capturing = graphs->mode() == StepGraphs::Mode::kCapture;
        const std::optional<const uint8_t*> placed = graphs->place(signature.value(), staging->spans(), staging->packed());
        if (!placed) return {false, nullptr};
        return {capturing, *placed};
      }
      case StepGraphs::Mode::kRefused:
        return {false, nullptr};
    }
    return {true, staging->packed().empty() ? nullptr : staging->upload()};
  }
  OpLaunch enter_op_without_metadata(const OpSignature& signature) {
    staging->begin();
    return enter_op(signature);
  }

  // At least `nbytes` of `scratch` for an op about to launch, or nullptr when it would have to grow during a
  // capture (the captured kernels would keep the old address): the step is refused and re-run eagerly, and
  // the key's next (record) step grows it.
  void* reserve_scratch(DeviceScratch& scratch, size_t nbytes) {
    if (nbytes > scratch.capacity()) {
      if (graphs->mode() == StepGraphs::Mode::kCapture) {
        graphs->refuse();
        return nullptr;
      }
      ++memory_epoch;
    }
    return scratch.reserve(nbytes, stream);
  }

  ~Impl() {
    // Teardown must not throw: report and go on.
    graphs.reset();
    staging.reset();
    if (cublas != nullptr) cublasDestroy(cublas);
    if (cublas_workspace != nullptr && cudaFree(cublas_workspace) != cudaSuccess)
      std::fprintf(stderr, "edgeserve: cudaFree of the cuBLAS workspace failed\n");
    if (stream != nullptr) cudaStreamDestroy(stream);
  }
};

}  // namespace edgeserve::cuda
