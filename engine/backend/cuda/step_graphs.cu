// StepGraphs: see step_graphs.h.
#include "engine/backend/cuda/step_graphs.h"

#include <cassert>
#include <cstring>

#include "engine/backend/cuda/cuda_check.h"

namespace edgeserve::cuda {

struct StepGraphs::Graph {
  GraphOpLog log;
  bool logged = false;      // the log holds a whole step (record finished)
  bool eager_only = false;  // refused kMaxRefusals times: the key runs eagerly from now on
  int refusals = 0;
  uint64_t epoch = 0;                // the backend's memory epoch when `exec` was captured
  cudaGraphExec_t exec = nullptr;
  uint8_t* pinned = nullptr;         // [capacity] cudaHostAlloc: the step's metadata, written by the host
  uint8_t* device = nullptr;         // [capacity] cudaMalloc: what the captured kernels read
  size_t capacity = 0;
  cudaEvent_t launched = nullptr;    // recorded after the last launch: then the pinned arena may be rewritten
};

StepGraphs::StepGraphs(cudaStream_t stream) : stream_(stream) {}

StepGraphs::~StepGraphs() {
  // Teardown must not throw: wait for the last launches, then free quietly.
  if (capturing_) cancel();
  cudaStreamSynchronize(stream_);
  for (auto& [key, graph] : graphs_) {
    if (graph->exec != nullptr) cudaGraphExecDestroy(graph->exec);
    if (graph->pinned != nullptr) cudaFreeHost(graph->pinned);
    if (graph->device != nullptr) cudaFree(graph->device);
    if (graph->launched != nullptr) cudaEventDestroy(graph->launched);
  }
}

size_t StepGraphs::num_graphs() const {
  size_t n = 0;
  for (const auto& [key, graph] : graphs_) n += graph->exec != nullptr ? 1 : 0;
  return n;
}

void StepGraphs::drop_graph(Graph& graph) noexcept {
  if (graph.exec == nullptr) return;
  cudaStreamSynchronize(stream_);  // the last launch may still run
  cudaGraphExecDestroy(graph.exec);
  graph.exec = nullptr;
}

void StepGraphs::ensure_arenas(Graph& graph) {
  const size_t need = graph.log.arena_bytes();
  if (need <= graph.capacity) return;
  assert(graph.exec == nullptr);  // an executable graph reads the old device arena
  ES_CUDA_CHECK(cudaStreamSynchronize(stream_));
  if (graph.pinned != nullptr) ES_CUDA_CHECK(cudaFreeHost(graph.pinned));
  if (graph.device != nullptr) ES_CUDA_CHECK(cudaFree(graph.device));
  graph.pinned = nullptr;
  graph.device = nullptr;
  graph.capacity = 0;
  ES_CUDA_CHECK(cudaHostAlloc(reinterpret_cast<void**>(&graph.pinned), need, cudaHostAllocDefault));
  ES_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&graph.device), need));
  graph.capacity = need;
}

void StepGraphs::begin(uint64_t key, uint64_t epoch) {
  assert(mode_ == Mode::kEager && current_ == nullptr && !capturing_);
  std::unique_ptr<Graph>& slot = graphs_[key];
  if (slot == nullptr) slot = std::make_unique<Graph>();
  Graph& graph = *slot;
  if (graph.eager_only) return;  // the bracket stays kEager: end() returns true
  current_ = &graph;
  if (graph.exec != nullptr && graph.epoch != epoch) drop_graph(graph);  // a scratch buffer moved: capture again
  if (!graph.logged) {
    graph.log.clear();
    mode_ = Mode::kRecord;
    ++stats_.recorded;
    return;
  }
  ensure_arenas(graph);
  // The previous launch's first node copies the pinned arena: it must be done before the host rewrites it.
  if (graph.launched != nullptr) ES_CUDA_CHECK(cudaEventSynchronize(graph.launched));
  graph.log.begin_replay();
  if (graph.exec != nullptr) {
    mode_ = Mode::kReplay;
    return;
  }
  // Thread-local mode: another thread's CUDA calls are not affected, this thread's unsafe calls fail. A
  // capture that cannot start refuses the step (it runs eagerly) rather than failing it.
  if (cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal) != cudaSuccess) {
    cudaGetLastError();
    mode_ = Mode::kRefused;
    return;
  }
  capturing_ = true;
  detail::capturing_graph() = true;
  mode_ = Mode::kCapture;
  graph.epoch = epoch;
  if (graph.log.arena_bytes() > 0)  // the graph's first node: this step's metadata to the device arena
    ES_CUDA_CHECK(cudaMemcpyAsync(graph.device, graph.pinned, graph.log.arena_bytes(), cudaMemcpyHostToDevice,
                                  stream_));
}

void StepGraphs::record(uint64_t signature, std::span<const SpanRef> spans, size_t nbytes) {
  assert(mode_ == Mode::kRecord && current_ != nullptr);
  current_->log.record(signature, spans, nbytes);
}

std::optional<const uint8_t*> StepGraphs::place(uint64_t signature, std::span<const SpanRef> spans,
                                                std::span<const uint8_t> packed) {
  assert((mode_ == Mode::kCapture || mode_ == Mode::kReplay) && current_ != nullptr);
  const std::optional<GraphOpLog::Slot> slot = current_->log.replay(signature, spans, packed.size());
  if (!slot) {
    mode_ = Mode::kRefused;
    return std::nullopt;
  }
  if (slot->write) std::memcpy(current_->pinned + slot->offset, packed.data(), packed.size());
  return current_->device + slot->offset;
}

void StepGraphs::launch(Graph& graph) {
  ES_CUDA_CHECK(cudaGraphLaunch(graph.exec, stream_));
  if (graph.launched == nullptr) ES_CUDA_CHECK(cudaEventCreateWithFlags(&graph.launched, cudaEventDisableTiming));
  ES_CUDA_CHECK(cudaEventRecord(graph.launched, stream_));
}

bool StepGraphs::refuse_current() {
  Graph& graph = *current_;
  current_ = nullptr;
  ++stats_.refused;
  drop_graph(graph);
  graph.logged = false;  // the key starts over: record, capture, replay
  if (++graph.refusals >= kMaxRefusals) graph.eager_only = true;
  return false;
}

bool StepGraphs::end() {
  const Mode mode = mode_;
  mode_ = Mode::kEager;
  cudaGraph_t captured = nullptr;
  cudaError_t capture_status = cudaSuccess;
  if (capturing_) {
    capturing_ = false;
    detail::capturing_graph() = false;
    capture_status = cudaStreamEndCapture(stream_, &captured);
  }
  switch (mode) {
    case Mode::kEager:
      return true;
    case Mode::kRecord:
      current_->logged = true;
      current_ = nullptr;
      return true;
    case Mode::kRefused:
      if (captured != nullptr) cudaGraphDestroy(captured);
      cudaGetLastError();  // a capture the refusal cut short may leave an error behind: not this step's fault
      return refuse_current();
    case Mode::kCapture: {
      if (capture_status != cudaSuccess || captured == nullptr || !current_->log.replay_complete()) {
        // An invalidated capture (an op did something a graph cannot hold) or a short step: nothing ran.
        if (captured != nullptr) cudaGraphDestroy(captured);
        cudaGetLastError();
        return refuse_current();
      }
      cudaGraphExec_t exec = nullptr;
      const cudaError_t status = cudaGraphInstantiate(&exec, captured, 0);
      cudaGraphDestroy(captured);
      if (status != cudaSuccess) {
        cudaGetLastError();
        return refuse_current();
      }
      current_->exec = exec;
      ++stats_.captured;
      Graph& graph = *current_;
      current_ = nullptr;
      launch(graph);
      return true;
    }
    case Mode::kReplay: {
      if (!current_->log.replay_complete()) return refuse_current();
      Graph& graph = *current_;
      current_ = nullptr;
      launch(graph);
      ++stats_.replayed;
      return true;
    }
  }
  return true;
}

void StepGraphs::cancel() noexcept {
  if (capturing_) {
    capturing_ = false;
    detail::capturing_graph() = false;
    cudaGraph_t captured = nullptr;
    if (cudaStreamEndCapture(stream_, &captured) == cudaSuccess && captured != nullptr) cudaGraphDestroy(captured);
  }
  cudaGetLastError();
  if (current_ != nullptr) {
    drop_graph(*current_);
    current_->logged = false;
  }
  current_ = nullptr;
  mode_ = Mode::kEager;
}

}  // namespace edgeserve::cuda
