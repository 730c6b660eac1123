// `edgeserve serve [MODEL]`: the OpenAI-compatible server. Listens at once (/health answers 503 while the
// model loads, with progress on the terminal), then serves. SIGTERM / SIGINT: /health and new requests get
// 503, in-flight requests get --drain-timeout seconds to finish, exit 0; a second signal exits at once.
#include <csignal>
#include <ctime>
#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

#include "server/commands/backend_factory.h"
#include "server/commands/commands.h"
#include "server/commands/model_loading.h"
#include "server/http_server.h"

namespace edgeserve {
namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t end = std::min(s.find(',', start), s.size());
    std::string item = s.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    start = end + 1;
  }
  return out;
}

ServeOptions serve_options(const AppConfig& c) {
  ServeOptions o;
  o.host = c.server.host;
  o.port = static_cast<int>(c.server.port);
  o.served_model_name = c.server.served_model_name;
  o.api_keys = split_list(c.server.api_key);
  o.allowed_origins = split_list(c.server.allowed_origins);
  o.max_queued = c.server.max_queued;
  o.max_n = c.server.max_n;
  o.max_body_bytes = c.server.max_request_bytes;
  o.read_timeout_seconds = static_cast<int>(c.server.request_timeout);
  o.drain_timeout_seconds = static_cast<int>(c.server.drain_timeout);
  o.default_enable_thinking = c.server.default_enable_thinking;
  o.reasoning_format_inline = c.server.reasoning_format == "inline";
  o.max_thinking_tokens = c.server.max_thinking_tokens;
  return o;
}

// The vocabulary trie grammar masks walk: every token but the special ones and the markup tags a JSON value must
// never contain (<think>, </think>, <tool_call>, </tool_call> are added tokens, not special, in Qwen).
std::shared_ptr<const structured::TokenIndex> grammar_token_index(const Tokenizer& tokenizer) {
  std::vector<std::string> pieces(static_cast<size_t>(tokenizer.vocab_size()));
  for (int32_t id = 0; id < tokenizer.vocab_size(); ++id) pieces[static_cast<size_t>(id)] = tokenizer.token_to_piece(id);
  std::vector<int32_t> excluded = tokenizer.special_token_ids();
  for (const char* tag : {"<think>", "</think>", "<tool_call>", "</tool_call>"})
    if (auto id = tokenizer.token_id(tag)) excluded.push_back(*id);
  return std::make_shared<const structured::TokenIndex>(std::move(pieces), excluded);
}

// Everything the loader thread builds, destroyed after the server stops.
struct Serving {
  LoadedModel model;
  CommandBackend backend;
  std::unique_ptr<LLMEngine> engine;
  std::unique_ptr<EngineLoop> loop;
  std::unique_ptr<Metrics> metrics;
  std::unique_ptr<ServingContext> context;
  std::string error;
};

void load(const AppConfig& config, const ServeOptions& options, Serving& s, HttpServer& server) {
  try {
    spdlog::info("loading model {} ...", resolve_model_path(config));
    s.model = load_model(config);
    const ModelFiles& files = *s.model.files;
    if (files.tokenizer() == nullptr) throw std::runtime_error(files.path() + ": the model has no tokenizer");
    const ModelConfig& mc = files.config();
    spdlog::info("model files mapped in {:.2f} s; preparing weights and the KV cache ...", s.model.load_seconds);
    s.backend = make_backend(config, *s.model.weights);
    EngineOptions engine_opts = engine_options(config);
    fit_kv_cache_to_device(config, *s.model.weights, s.backend, engine_opts);
    s.engine = std::make_unique<LLMEngine>(mc, *s.model.weights, *s.backend.backend, engine_opts, mc.eos_token_ids);
    s.loop = std::make_unique<EngineLoop>(*s.engine);
    std::string name = options.served_model_name;
    if (name.empty()) name = std::filesystem::path(files.path()).filename().string();
    s.metrics = std::make_unique<Metrics>(name);
    s.context.reset(new ServingContext{options, name, static_cast<int64_t>(std::time(nullptr)), *files.tokenizer(),
                                       PromptBuilder(*files.tokenizer(), files.chat_template()), *s.loop, *s.metrics,
                                       s.engine->max_model_len(), mc.vocab_size,
                                       config.scheduler.max_num_seqs + options.max_queued});
    s.context->device = device_name(s.backend.device);
    s.context->backend_name = s.backend.backend->name();
    s.context->reasoning = ReasoningTokens::find(*files.tokenizer());
    const auto newline = files.tokenizer()->encode("\n", false, false);
    if (newline.size() == 1) s.context->newline_token = newline[0];
    if (files.chat_template() != nullptr)
      s.context->tool_call_format = tool_call_format_for_template(files.chat_template()->source());
    s.context->token_index = grammar_token_index(*files.tokenizer());
    s.context->eos_token_ids = mc.eos_token_ids;
    server.set_ready(s.context.get());
    spdlog::info("serving {} on http://{}:{}/v1 ({}, {} KV blocks of {} tokens, context {})", name, options.host,
                 server.port(), s.backend.backend->name(), s.engine->num_kv_blocks(), config.cache.block_size,
                 s.engine->max_model_len());
  } catch (const std::exception& e) {
    s.error = e.what();
  }
}

}  // namespace

int run_serve(const AppConfig& config) {
  const ServeOptions options = serve_options(config);
  // Signals are taken by this thread only (sigtimedwait below), never by the worker threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);   // a client that hung up must not kill the server

  const int workers = static_cast<int>(config.scheduler.max_num_seqs + options.max_queued + 16);
  HttpServer server(options, workers);
  if (!server.bind()) return 1;
  std::thread http([&] { server.run(); });
  Serving serving;
  std::thread loader([&] { load(config, options, serving, server); });

  bool loaded = false;
  int exit_code = 0;
  while (true) {
    timespec tick{0, 50'000'000};
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (!loaded && server.state() == ServerState::kReady) loaded = true;
    if (!loaded && !serving.error.empty()) {
      loader.join();
      spdlog::error("{}", serving.error);
      server.stop();
      http.join();
      return 1;
    }
    if (sig < 0) continue;
    if (!loaded) {   // nothing to drain: stop now (the loader cannot be interrupted)
      spdlog::info("signal {} while loading: exiting", sig);
      std::_Exit(0);
    }
    spdlog::info("signal {}: draining (up to {} s); a second signal exits at once", sig, options.drain_timeout_seconds);
    server.begin_drain();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.drain_timeout_seconds);
    while (server.in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
      timespec wait{0, 20'000'000};
      if (sigtimedwait(&signals, nullptr, &wait) > 0) {
        spdlog::warn("second signal: exiting now");
        std::_Exit(1);
      }
    }
    if (server.in_flight() > 0) {
      spdlog::warn("drain timeout: {} choices still in flight are cut off", server.in_flight());
      exit_code = 0;
    }
    break;
  }
  server.stop();
  http.join();
  loader.join();
  serving.loop->stop();
  spdlog::info("stopped");
  return exit_code;
}

}  // namespace edgeserve
