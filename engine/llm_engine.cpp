#include "engine/llm_engine.h"

#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <stdexcept>
#include <string>

#include "kvcache/kv_cache_spec.h"

namespace edgeserve {
namespace {

KvCacheSpec kv_spec_of(const ModelConfig& config, const EngineOptions& options) {
  KvCacheSpec spec;
  spec.num_layers = config.num_hidden_layers;
  spec.num_kv_heads = config.num_key_value_heads;
  spec.head_dim = config.head_dim;
  spec.block_size = options.block_size;
  spec.element_bytes = static_cast<int64_t>(dtype_info(options.kv_dtype).block_bytes);
  return spec;
}

int64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? static_cast<int64_t>(pages) * page_size : int64_t{8} << 30;
}

int64_t context_limit(const ModelConfig& config, const EngineOptions& options) {
  if (options.max_model_len > 0) return options.max_model_len;
  return config.max_position_embeddings > 0 ? config.max_position_embeddings : 4096;
}

int64_t plan_num_kv_blocks(const ModelConfig& config, const EngineOptions& options) {
  if (options.num_kv_blocks > 0) return options.num_kv_blocks;
  const KvCacheSpec spec = kv_spec_of(config, options);
  const int64_t blocks_per_seq = (context_limit(config, options) + options.block_size - 1) / options.block_size;
  const int64_t memory =
      options.kv_cache_memory > 0 ? options.kv_cache_memory : default_kv_cache_memory(physical_memory_bytes());
  const int64_t blocks = num_kv_blocks_for_memory(spec, memory, blocks_per_seq * options.max_num_seqs);
  if (blocks < 1)
    throw std::invalid_argument("kv_cache_memory " + std::to_string(memory) + " bytes holds no KV block (" +
                                std::to_string(spec.bytes_per_block()) + " bytes each)");
  return blocks;
}

}  // namespace

LLMEngine::LLMEngine(const ModelConfig& config, const ModelWeights& weights, Backend& backend, EngineOptions options,
                     std::vector<int32_t> eos_token_ids)
    : config_(config),
      options_(options),
      eos_token_ids_(std::move(eos_token_ids)),
      num_kv_blocks_(plan_num_kv_blocks(config, options)),
      max_model_len_(std::min(context_limit(config, options), num_kv_blocks_ * options.block_size)),
      scheduler_({options.max_num_seqs, options.max_num_batched_tokens}, static_cast<int32_t>(num_kv_blocks_),
                 static_cast<int32_t>(options.block_size), options.enable_prefix_caching),
      runner_(config, weights, backend, options.max_num_batched_tokens, options.max_num_seqs,
              kv_spec_of(config, options), num_kv_blocks_, options.kv_dtype, options.enforce_eager),
      sampler_(config.vocab_size),
      allowed_(config.vocab_size) {
  if (max_model_len_ < 2)
    throw std::invalid_argument("the KV cache holds " + std::to_string(max_model_len_) +
                                " tokens: too few for a prompt and an answer");
}

std::optional<RequestRejection> LLMEngine::validate(const EngineRequest& request) const {
  const auto& prompt = request.prompt_token_ids;
  if (prompt.empty()) return RequestRejection{"messages", "the prompt is empty", ""};
  for (int32_t id : prompt)
    if (id < 0 || id >= config_.vocab_size)
      return RequestRejection{"prompt", "token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                            std::to_string(config_.vocab_size) + ")", ""};
  const auto n = static_cast<int64_t>(prompt.size());
  if (n >= max_model_len_)
    return RequestRejection{"messages",
                            "This model's maximum context length is " + std::to_string(max_model_len_) +
                                " tokens. However, you requested " + std::to_string(n) +
                                " tokens in the prompt, which leaves no room for the completion.",
                            "context_length_exceeded"};
  if (auto error = request.params.validate(config_.vocab_size)) return RequestRejection{error->param, error->message, ""};
  return std::nullopt;
}

void LLMEngine::add_request(EngineRequest request) {
  assert(!validate(request));
  assert(!requests_.contains(request.request_id));
  SamplingParams params = request.params.resolved(config_.generation, eos_token_ids_);
  const auto num_prompt = static_cast<int64_t>(request.prompt_token_ids.size());
  int64_t max_num_tokens = max_model_len_;
  if (params.max_tokens) max_num_tokens = std::min(max_num_tokens, num_prompt + *params.max_tokens);
  RequestState state{sampler::SequenceSamplingState::for_request(params, request.prompt_token_ids), num_prompt,
                     request.arrival_time.value_or(std::chrono::steady_clock::now())};
  if (request.thinking_budget) state.thinking_budget.emplace(*request.thinking_budget);
  if (request.structured_output) state.structured_output.emplace(std::move(*request.structured_output));
  requests_.emplace(request.request_id, std::move(state));
  scheduler_.add_sequence(std::make_unique<Sequence>(request.request_id, std::move(request.prompt_token_ids),
                                                     std::move(params), max_num_tokens));
}

bool LLMEngine::abort_request(int64_t request_id) {
  requests_.erase(request_id);
  return scheduler_.abort_sequence(request_id);
}

std::vector<RequestOutput> LLMEngine::step() {
  const auto start = std::chrono::steady_clock::now();
  const SchedulerOutput out = scheduler_.schedule();
  if (out.empty()) return {};
  for (const ScheduledSequence& s : out.scheduled) {
    RequestState& state = requests_.at(s.seq_id);
    if (state.queue_seconds < 0)
      state.queue_seconds = std::chrono::duration<double>(start - state.arrival_time).count();
  }
  ModelRunner::prepare(out, static_cast<int32_t>(options_.block_size), batch_);
  const std::span<float> logits = runner_.execute(batch_);

  // Sample each sampling row. A row that cannot be sampled (all logits NaN / masked) fails its request only.
  const size_t num_rows = batch_.logits_rows.size();
  const auto vocab = static_cast<size_t>(config_.vocab_size);
  std::vector<sampler::SampleResult> results(num_rows);
  std::vector<RequestOutput> outputs;
  sampled_.assign(num_rows, 0);
  for (size_t r = 0; r < num_rows; ++r) {
    const ScheduledSequence& s = out.scheduled[static_cast<size_t>(batch_.sampling_seqs[r])];
    RequestState& state = requests_.at(s.seq_id);
    try {
      sampler::SamplerHooks hooks;
      if (state.thinking_budget) hooks.forced_token_id = state.thinking_budget->forced_token();
      if (!hooks.forced_token_id && state.structured_output) state.structured_output->prepare(allowed_, hooks);
      results[r] = sampler_.sample(logits.subspan(r * vocab, vocab), scheduler_.find(s.seq_id)->params(),
                                   state.sampling, hooks);
      sampled_[r] = results[r].token_id;
      if (state.thinking_budget) state.thinking_budget->observe(sampled_[r]);
      if (state.structured_output) state.structured_output->observe(sampled_[r]);
    } catch (const std::exception& e) {
      RequestOutput failed;
      failed.request_id = s.seq_id;
      failed.finish_reason = FinishReason::kError;
      failed.error = std::string("sampling failed: ") + e.what();
      failed.num_prompt_tokens = state.num_prompt_tokens;
      outputs.push_back(std::move(failed));
      scheduler_.fail_sequence(s.seq_id);
      requests_.erase(s.seq_id);
    }
  }

  const std::vector<SequenceUpdate> updates = scheduler_.update(out, sampled_);
  size_t r = 0;
  size_t k = 0;   // walks out.scheduled alongside the updates (which skip failed sequences)
  for (const SequenceUpdate& u : updates) {
    while (out.scheduled[k].seq_id != u.seq_id) r += out.scheduled[k++].samples ? 1 : 0;
    const bool sampled = out.scheduled[k].samples;
    const size_t row = r;
    r += sampled ? 1 : 0;
    ++k;
    if (u.token_id < 0 && !u.finish_reason) continue;   // a prefill chunk: nothing to report
    RequestState& state = requests_.at(u.seq_id);
    RequestOutput o;
    o.request_id = u.seq_id;
    o.token_id = u.token_id;
    if (sampled) o.sample = results[row];
    o.finish_reason = u.finish_reason;
    o.num_prompt_tokens = state.num_prompt_tokens;
    o.num_cached_tokens = u.num_cached_prompt_tokens;
    o.num_output_tokens = state.sampling.num_output_tokens();
    o.queue_seconds = state.queue_seconds;
    outputs.push_back(std::move(o));
    if (u.finish_reason) requests_.erase(u.seq_id);
  }

  num_steps_ += 1;
  last_step_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  total_step_seconds_ += last_step_seconds_;
  return outputs;
}

EngineStats LLMEngine::stats() const {
  EngineStats s;
  s.num_running = scheduler_.num_running();
  s.num_waiting = scheduler_.num_waiting();
  s.kv_cache_usage = scheduler_.block_manager().usage();
  s.num_kv_blocks = num_kv_blocks_;
  s.block_size = options_.block_size;
  s.counters = scheduler_.counters();
  s.num_steps = num_steps_;
  s.last_step_seconds = last_step_seconds_;
  s.total_step_seconds = total_step_seconds_;
  return s;
}

}  // namespace edgeserve
