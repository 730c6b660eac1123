#pragma once
// StepGraphs: the CUDA graphs of the CudaBackend, one per key of a padded decode step (Backend::
// begin_graph_step). A decode step of a small model is a few hundred short kernels; launched one by one the
// host's launch latency, not the GPU, sets the step time. A graph launches them all at once.
//
// Life of a key:
//   1. record  (first step under it): the ops run eagerly, as without graphs, and are logged (graph_op_log.h).
//      Eager running also grows every scratch buffer to the step's need, so nothing allocates in step 2.
//   2. capture (second step): the ops are checked against the log, their metadata is packed into the key's
//      pinned host arena, and their launches are captured (cudaStreamBeginCapture) reading the key's device
//      arena; the graph's first node copies the pinned arena to the device one. Then the graph is
//      instantiated and launched.
//   3. replay  (later steps): the ops are checked and only write their metadata into the pinned arena; the
//      bracket's end launches the graph (one cudaGraphLaunch).
// A step that does not match the log (another op, tensor, size or plan) is refused: nothing of it ran, the
// caller issues the ops again outside the bracket, and the key starts over at 1. A key refused
// kMaxRefusals times stays eager. Graphs bake in the addresses of backend scratch buffers, so the backend
// bumps a memory epoch whenever one moves, and a graph of another epoch is captured again.
// Internal to the CUDA backend (includes cuda_runtime.h). One stream, one thread.
#include <cuda_runtime.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <unordered_map>

#include "engine/backend/cuda/graph_op_log.h"

namespace edgeserve::cuda {

struct StepGraphStats {
  int64_t recorded = 0;   // steps run eagerly to log a key
  int64_t captured = 0;   // graphs captured and instantiated
  int64_t replayed = 0;   // steps launched as an existing graph
  int64_t refused = 0;    // steps refused (the caller re-ran them eagerly)
};

class StepGraphs {
 public:
  enum class Mode {
    kEager,    // no bracket open: ops launch, metadata through the staging ring
    kRecord,   // step 1: ops launch eagerly and are logged
    kCapture,  // step 2: ops are checked, their metadata placed, their launches captured
    kReplay,   // step 3+: ops are checked and their metadata placed; nothing launches until end()
    kRefused,  // this bracket's step did not match: no op launches until end() returns false
  };

  explicit StepGraphs(cudaStream_t stream);
  ~StepGraphs();
  StepGraphs(const StepGraphs&) = delete;
  StepGraphs& operator=(const StepGraphs&) = delete;

  // Opens the bracket of `key`; `epoch` is the backend's memory epoch now. kEager -> any other mode.
  void begin(uint64_t key, uint64_t epoch);
  Mode mode() const { return mode_; }
  bool in_bracket() const { return mode_ != Mode::kEager; }

  // kRecord: logs an op (its metadata still goes through the staging ring).
  void record(uint64_t signature, std::span<const SpanRef> spans, size_t nbytes);
  // kCapture / kReplay: checks an op against the log and copies its packed metadata into the pinned arena.
  // Returns the device address the op's kernels read it from, or nullopt when the op does not match
  // (mode -> kRefused).
  std::optional<const uint8_t*> place(uint64_t signature, std::span<const SpanRef> spans,
                                      std::span<const uint8_t> packed);
  // Refuses the open step (an op would have to grow a scratch buffer the graph cannot follow).
  void refuse() { if (mode_ == Mode::kCapture || mode_ == Mode::kReplay) mode_ = Mode::kRefused; }

  // Closes the bracket (mode -> kEager): launches the graph of a captured or replayed step. false when the
  // step was refused or issued fewer ops than logged: nothing of it ran.
  bool end();
  // Closes the bracket after an exception: ends a capture, forgets the key's graph. Never throws.
  void cancel() noexcept;

  const StepGraphStats& stats() const { return stats_; }
  size_t num_graphs() const;

  static constexpr int kMaxRefusals = 3;

 private:
  struct Graph;
  void drop_graph(Graph& graph) noexcept;       // destroys the executable graph (waits for the stream first)
  void ensure_arenas(Graph& graph);              // pinned + device arenas of the log's size
  void launch(Graph& graph);                     // cudaGraphLaunch + the event the next pinned write waits on
  bool refuse_current();                         // counts a refusal of current_, returns false

  cudaStream_t stream_;
  std::unordered_map<uint64_t, std::unique_ptr<Graph>> graphs_;
  Graph* current_ = nullptr;
  Mode mode_ = Mode::kEager;
  bool capturing_ = false;  // stream_ is capturing (kCapture, or kRefused during a capture)
  StepGraphStats stats_;
};

}  // namespace edgeserve::cuda
