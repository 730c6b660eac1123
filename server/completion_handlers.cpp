#include "server/completion_handlers.h"

#include <chrono>
#include <memory>

#include <spdlog/spdlog.h>

#include "server/generation_session.h"
#include "server/openai/api_error.h"
#include "server/openai/chat_request.h"
#include "server/openai/completion_request.h"

namespace edgeserve {
namespace {

using namespace std::chrono_literals;
constexpr auto kPollInterval = 250ms;   // also the keep-alive period that detects a vanished client

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void send_api_error(httplib::Response& res, const openai::ApiError& e) {
  res.status = e.status;
  if (e.status == 429 || e.status == 503) res.set_header("Retry-After", "1");
  res.set_content(e.to_json().dump(), "application/json");
}

// What the content provider needs across calls. Owned by the provider's closure.
struct Flow {
  ServingContext& ctx;
  GenerationSession session;
  ResponseHeader header;
  bool chat = true;
  bool stream = false;
  bool include_usage = false;
  bool want_logprobs = false;
  int64_t n = 0;   // admission slots held (released when the flow ends)
  bool done = false;
  std::chrono::steady_clock::time_point last_write = std::chrono::steady_clock::now();
  // Non-streaming: the whole answer per choice.
  std::vector<std::string> texts;
  std::vector<nlohmann::json> logprobs;
  std::vector<std::optional<std::string>> finish_reasons;

  Flow(ServingContext& c, bool is_chat)
      : ctx(c), session(c.loop, c.tokenizer, c.metrics), chat(is_chat) {}
  ~Flow() { ctx.release(n); }
};

std::optional<nlohmann::json> logprobs_field(const Flow& f, const nlohmann::json& entries) {
  if (!f.want_logprobs) return std::nullopt;
  if (f.chat) return nlohmann::json{{"content", entries}};
  // Legacy completions logprobs: tokens / token_logprobs / top_logprobs / text_offset.
  nlohmann::json tokens = nlohmann::json::array(), lps = nlohmann::json::array(), tops = nlohmann::json::array();
  for (const auto& e : entries) {
    tokens.push_back(e["token"]);
    lps.push_back(e["logprob"]);
    nlohmann::json top = nlohmann::json::object();
    for (const auto& t : e["top_logprobs"]) top[t["token"].get<std::string>()] = t["logprob"];
    tops.push_back(top);
  }
  return nlohmann::json{{"tokens", tokens}, {"token_logprobs", lps}, {"top_logprobs", tops}, {"text_offset", nlohmann::json::array()}};
}

std::string stream_events(Flow& f, const std::vector<ChoiceDelta>& deltas) {
  std::string out;
  for (const ChoiceDelta& d : deltas) {
    const nlohmann::json lp = logprobs_field(f, d.logprobs).value_or(nlohmann::json());
    if (f.chat) {
      if (d.first) out += sse_event(chat_chunk(f.header, d.index, {{"role", "assistant"}, {"content", ""}}, nullptr, std::nullopt));
      if (!d.text.empty() || d.finish_reason) {
        nlohmann::json delta = nlohmann::json::object();
        if (!d.text.empty()) delta["content"] = d.text;
        out += sse_event(chat_chunk(f.header, d.index, std::move(delta), lp, d.finish_reason));
      }
    } else if (!d.text.empty() || d.finish_reason) {
      out += sse_event(completion_chunk(f.header, d.index, d.text, lp, d.finish_reason));
    }
  }
  return out;
}

void collect(Flow& f, const std::vector<ChoiceDelta>& deltas) {
  for (const ChoiceDelta& d : deltas) {
    const auto i = static_cast<size_t>(d.index);
    f.texts[i] += d.text;
    for (const auto& e : d.logprobs) f.logprobs[i].push_back(e);
    if (d.finish_reason) f.finish_reasons[i] = d.finish_reason;
  }
}

nlohmann::json final_body(Flow& f) {
  nlohmann::json choices = nlohmann::json::array();
  for (size_t i = 0; i < f.texts.size(); ++i) {
    nlohmann::json choice = {{"index", i}};
    const nlohmann::json lp = logprobs_field(f, f.logprobs[i]).value_or(nlohmann::json());
    if (f.chat) {
      choice["message"] = {{"role", "assistant"}, {"content", f.texts[i]}, {"tool_calls", nlohmann::json::array()}};
      choice["logprobs"] = lp;
    } else {
      choice["text"] = f.texts[i];
      choice["logprobs"] = lp;
    }
    choice["finish_reason"] = f.finish_reasons[i].value_or("stop");
    choices.push_back(std::move(choice));
  }
  return {{"id", f.header.id},
          {"object", f.chat ? "chat.completion" : "text_completion"},
          {"created", f.header.created},
          {"model", f.header.model},
          {"system_fingerprint", nullptr},
          {"choices", std::move(choices)},
          {"usage", usage_json(f.session.usage())}};
}

nlohmann::json error_body(const std::string& message) {
  return openai::ApiError{500, "server_error", message, std::nullopt, std::nullopt}.to_json();
}

// One call of the content provider: wait for news, write it. Returning false closes the connection.
bool provide(Flow& f, httplib::DataSink& sink) {
  if (f.done) return false;
  auto deltas = f.session.poll(kPollInterval);
  std::string out;
  if (f.stream) {
    out = stream_events(f, deltas);
  } else {
    collect(f, deltas);
  }
  if (f.session.finished()) {
    if (f.session.error()) {
      out += f.stream ? sse_event(error_body(*f.session.error())) + kSseDone : error_body(*f.session.error()).dump();
    } else if (f.stream) {
      if (f.include_usage)
        out += sse_event(f.chat ? chat_usage_chunk(f.header, f.session.usage())
                                : completion_usage_chunk(f.header, f.session.usage()));
      out += kSseDone;
    } else {
      out += final_body(f).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    f.done = true;
  }
  const auto now = std::chrono::steady_clock::now();
  // Nothing to say for a while: a keep-alive (SSE comment / JSON whitespace) finds out whether the client is
  // still there; a write to a closed socket fails and the session is aborted.
  if (out.empty() && now - f.last_write >= kPollInterval) out = f.stream ? ": keep-alive\n\n" : " ";
  if (!out.empty()) {
    if (!sink.write(out.data(), out.size())) {
      f.session.abort();
      return false;
    }
    f.last_write = now;
  }
  if (f.done) sink.done();
  return true;
}

void respond(std::shared_ptr<Flow> flow, httplib::Response& res) {
  const char* type = flow->stream ? "text/event-stream" : "application/json";
  if (flow->stream) {
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
  }
  res.set_chunked_content_provider(
      type, [flow](size_t, httplib::DataSink& sink) { return provide(*flow, sink); },
      [flow](bool) {
        if (!flow->session.finished()) flow->session.abort();
      });
}

template <typename Parsed>
bool admit_and_start(ServingContext& ctx, std::shared_ptr<Flow>& flow, const Parsed& p,
                     std::vector<int32_t> prompt, httplib::Response& res) {
  if (!ctx.try_admit(p.n)) {
    send_error(res, 429, "rate_limit_error", "the server is at capacity; retry shortly");
    return false;
  }
  flow->n = p.n;   // reserved: the flow releases it however it ends
  flow->stream = p.stream;
  flow->include_usage = p.include_usage;
  flow->want_logprobs = p.sampling.logprobs;
  flow->texts.resize(static_cast<size_t>(p.n));
  flow->logprobs.assign(static_cast<size_t>(p.n), nlohmann::json::array());
  flow->finish_reasons.resize(static_cast<size_t>(p.n));
  GenerationRequest g{std::move(prompt), p.sampling, p.stop, p.n};
  if (auto rejection = flow->session.start(std::move(g))) {
    send_error(res, 400, "invalid_request_error", rejection->message,
               rejection->param.empty() ? std::nullopt : std::optional<std::string>(rejection->param),
               rejection->code.empty() ? std::nullopt : std::optional<std::string>(rejection->code));
    return false;
  }
  return true;
}

}  // namespace

void send_error(httplib::Response& res, int status, const std::string& type, const std::string& message,
                const std::optional<std::string>& param, const std::optional<std::string>& code) {
  send_api_error(res, openai::ApiError{status, type, message, param, code});
}

void handle_chat_completions(ServingContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto parsed = openai::parse_chat_completion_request(req.body, {ctx.vocab_size, ctx.options.max_n});
  if (auto* e = std::get_if<openai::ApiError>(&parsed)) return send_api_error(res, *e);
  const auto& p = std::get<openai::ChatCompletionRequest>(parsed);
  if (!ctx.prompts.has_chat_template())
    return send_error(res, 400, "invalid_request_error", "this model has no chat template; use /v1/completions",
                      "messages");
  std::vector<int32_t> prompt;
  try {
    prompt = ctx.prompts.chat_prompt(p.messages, nullptr, p.chat_template_kwargs, true);
  } catch (const std::exception& e) {
    return send_error(res, 400, "invalid_request_error", std::string("chat template: ") + e.what(), "messages");
  }
  auto flow = std::make_shared<Flow>(ctx, true);
  flow->header = {make_response_id("chatcmpl-"), unix_now(), ctx.model_name};
  if (admit_and_start(ctx, flow, p, std::move(prompt), res)) respond(flow, res);
}

void handle_completions(ServingContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto parsed = openai::parse_completion_request(req.body, {ctx.vocab_size, ctx.options.max_n});
  if (auto* e = std::get_if<openai::ApiError>(&parsed)) return send_api_error(res, *e);
  const auto& p = std::get<openai::CompletionRequest>(parsed);
  std::vector<int32_t> prompt = std::holds_alternative<std::string>(p.prompt)
                                    ? ctx.prompts.text_prompt(std::get<std::string>(p.prompt))
                                    : std::get<std::vector<int32_t>>(p.prompt);
  auto flow = std::make_shared<Flow>(ctx, false);
  flow->header = {make_response_id("cmpl-"), unix_now(), ctx.model_name};
  if (admit_and_start(ctx, flow, p, std::move(prompt), res)) respond(flow, res);
}

}  // namespace edgeserve
