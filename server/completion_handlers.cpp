#include "server/completion_handlers.h"

#include <chrono>
#include <memory>

#include <spdlog/spdlog.h>

#include "server/generation_session.h"
#include "server/openai/api_error.h"
#include "server/openai/chat_request.h"
#include "server/openai/completion_request.h"
#include "server/parsers/tool_call_parser.h"
#include "server/structured_request.h"
#include "server/thinking_options.h"
#include "server/tool_options.h"

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
  bool include_reasoning = true;   // reasoning in the response at all
  bool inline_format = false;      // reasoning inside content as <think>...</think>
  std::vector<bool> think_open;    // inline streaming: a <think> was sent and not closed yet (per choice)
  std::vector<std::unique_ptr<ToolCallParser>> tool_parsers;   // per choice, when tools may be called
  int64_t n = 0;   // admission slots held (released when the flow ends)
  bool done = false;
  std::chrono::steady_clock::time_point last_write = std::chrono::steady_clock::now();
  // Non-streaming: the whole answer per choice.
  std::vector<std::string> texts;
  std::vector<std::string> reasonings;
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

// Passes a choice's content through its tool-call parser (when tools may be called): `d.text` keeps the plain
// content, the returned array holds the tool-call deltas, and a finish with calls becomes "tool_calls".
nlohmann::json apply_tools(Flow& f, ChoiceDelta& d) {
  if (f.tool_parsers.empty()) return nlohmann::json::array();
  ToolCallParser& parser = *f.tool_parsers[static_cast<size_t>(d.index)];
  ToolCallDelta t = parser.add(d.text);
  if (d.finish_reason) {
    ToolCallDelta end = parser.finish();
    t.content += end.content;
    for (auto& c : end.tool_calls) t.tool_calls.push_back(std::move(c));
    if (!parser.calls().empty() && *d.finish_reason == "stop") d.finish_reason = "tool_calls";
  }
  d.text = std::move(t.content);
  return std::move(t.tool_calls);
}

// The chat delta for one ChoiceDelta: reasoning as reasoning_content (+ the alias reasoning), or inline.
nlohmann::json chat_delta(Flow& f, const ChoiceDelta& d) {
  nlohmann::json delta = nlohmann::json::object();
  const std::string reasoning = f.include_reasoning ? d.reasoning : std::string();
  if (f.inline_format) {
    bool open = f.think_open[static_cast<size_t>(d.index)];
    std::string text;
    if (!reasoning.empty()) {
      if (!open) text += "<think>";
      open = true;
      text += reasoning;
    }
    if (open && (!d.text.empty() || d.finish_reason)) {
      text += "</think>";
      open = false;
    }
    f.think_open[static_cast<size_t>(d.index)] = open;
    text += d.text;
    if (!text.empty()) delta["content"] = text;
    return delta;
  }
  if (!reasoning.empty()) {
    delta["reasoning_content"] = reasoning;
    delta["reasoning"] = reasoning;
  }
  if (!d.text.empty()) delta["content"] = d.text;
  return delta;
}

std::string stream_events(Flow& f, std::vector<ChoiceDelta>& deltas) {
  std::string out;
  for (ChoiceDelta& d : deltas) {
    const nlohmann::json lp = logprobs_field(f, d.logprobs).value_or(nlohmann::json());
    if (f.chat) {
      if (d.first) out += sse_event(chat_chunk(f.header, d.index, {{"role", "assistant"}, {"content", ""}}, nullptr, std::nullopt));
      nlohmann::json tool_calls = apply_tools(f, d);
      nlohmann::json delta = chat_delta(f, d);
      if (!tool_calls.empty()) delta["tool_calls"] = std::move(tool_calls);
      if (!delta.empty() || d.finish_reason)
        out += sse_event(chat_chunk(f.header, d.index, std::move(delta), lp, d.finish_reason));
    } else if (!d.text.empty() || d.finish_reason) {
      out += sse_event(completion_chunk(f.header, d.index, d.text, lp, d.finish_reason));
    }
  }
  return out;
}

void collect(Flow& f, std::vector<ChoiceDelta>& deltas) {
  for (ChoiceDelta& d : deltas) {
    const auto i = static_cast<size_t>(d.index);
    if (f.chat) apply_tools(f, d);   // the calls are read from the parser at the end
    f.texts[i] += d.text;
    f.reasonings[i] += d.reasoning;
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
      const bool thought = f.session.saw_reasoning(static_cast<int64_t>(i));
      const std::string& reasoning = f.reasonings[i];
      nlohmann::json message = {{"role", "assistant"}};
      if (f.inline_format) {
        message["content"] = (f.include_reasoning && thought ? "<think>" + reasoning + "</think>" : "") + f.texts[i];
      } else {
        // Cut off inside thinking: all reasoning, content null.
        message["content"] = f.texts[i].empty() && thought ? nlohmann::json() : nlohmann::json(f.texts[i]);
        if (f.include_reasoning && thought) {
          message["reasoning_content"] = reasoning;
          message["reasoning"] = reasoning;
        }
      }
      nlohmann::json calls = nlohmann::json::array();
      if (!f.tool_parsers.empty()) {
        for (const ParsedToolCall& c : f.tool_parsers[i]->calls())
          calls.push_back({{"id", c.id}, {"type", "function"}, {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
        if (!calls.empty() && message["content"].is_string() && message["content"].get<std::string>().empty())
          message["content"] = nullptr;
      }
      message["tool_calls"] = std::move(calls);
      choice["message"] = std::move(message);
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
bool admit_and_start(ServingContext& ctx, std::shared_ptr<Flow>& flow, const Parsed& p, GenerationRequest g,
                     httplib::Response& res) {
  if (!ctx.try_admit(p.n)) {
    send_error(res, 429, "rate_limit_error", "the server is at capacity; retry shortly");
    return false;
  }
  flow->n = p.n;   // reserved: the flow releases it however it ends
  flow->stream = p.stream;
  flow->include_usage = p.include_usage;
  flow->want_logprobs = p.sampling.logprobs;
  flow->texts.resize(static_cast<size_t>(p.n));
  flow->reasonings.resize(static_cast<size_t>(p.n));
  flow->think_open.assign(static_cast<size_t>(p.n), false);
  flow->logprobs.assign(static_cast<size_t>(p.n), nlohmann::json::array());
  flow->finish_reasons.resize(static_cast<size_t>(p.n));
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
  const ThinkingDefaults defaults{ctx.reasoning.has_value(), ctx.options.default_enable_thinking,
                                  ctx.options.reasoning_format_inline, ctx.options.max_thinking_tokens};
  auto resolved = resolve_thinking(p.raw, p.chat_template_kwargs, defaults);
  if (auto* e = std::get_if<openai::ApiError>(&resolved)) return send_api_error(res, *e);
  const auto& thinking = std::get<ThinkingOptions>(resolved);
  auto resolved_tools = resolve_tools(p.raw);
  if (auto* e = std::get_if<openai::ApiError>(&resolved_tools)) return send_api_error(res, *e);
  const auto& tools = std::get<ToolOptions>(resolved_tools);
  nlohmann::ordered_json kwargs = p.chat_template_kwargs;
  if (thinking.enable_thinking) kwargs["enable_thinking"] = *thinking.enable_thinking;

  GenerationRequest g;
  try {
    // tool_choice none: the tools are not shown to the model at all.
    g.prompt_token_ids =
        ctx.prompts.chat_prompt(p.messages, tools.parse_calls() ? tools.tools : nlohmann::ordered_json(), kwargs, true);
  } catch (const std::exception& e) {
    return send_error(res, 400, "invalid_request_error", std::string("chat template: ") + e.what(), "messages");
  }
  g.params = p.sampling;
  g.stop = p.stop;
  g.n = p.n;
  g.reasoning = ctx.reasoning;
  if (ctx.reasoning && thinking.enable_thinking == false) {
    // Qwen's recommended sampling without thinking, where the request leaves it open (generation_config
    // carries the thinking-mode values).
    if (!g.params.temperature) g.params.temperature = 0.7;
    if (!g.params.top_p) g.params.top_p = 0.8;
    if (!g.params.top_k) g.params.top_k = 20;
    if (!g.params.min_p) g.params.min_p = 0.0;
  }
  if (ctx.reasoning && thinking.budget && thinking.enable_thinking != false && ctx.newline_token >= 0) {
    const bool inside = prompt_think_state(ctx.tokenizer, *ctx.reasoning, g.prompt_token_ids) ==
                        ctx.reasoning->think_start;
    g.thinking_budget = ThinkingBudgetSpec{ctx.reasoning->think_start, ctx.reasoning->think_end, ctx.newline_token,
                                           *thinking.budget, inside};
  }
  // Constrained decoding: response_format, or the tool call that tool_choice asks for.
  const bool thinks_first = ctx.reasoning && thinking.enable_thinking.value_or(false) &&
                            prompt_think_state(ctx.tokenizer, *ctx.reasoning, g.prompt_token_ids) !=
                                ctx.reasoning->think_end;
  std::vector<int32_t> stops = ctx.eos_token_ids;
  stops.insert(stops.end(), g.params.stop_token_ids.begin(), g.params.stop_token_ids.end());
  auto structured = build_structured_output(p.raw, tools, ctx, thinks_first, stops);
  if (auto* e = std::get_if<openai::ApiError>(&structured)) return send_api_error(res, *e);
  g.structured_output = std::move(std::get<std::optional<StructuredOutputSpec>>(structured));

  auto flow = std::make_shared<Flow>(ctx, true);
  flow->header = {make_response_id("chatcmpl-"), unix_now(), ctx.model_name};
  flow->include_reasoning = thinking.include_reasoning;
  flow->inline_format = thinking.inline_format;
  if (tools.parse_calls())
    for (int64_t i = 0; i < p.n; ++i)
      flow->tool_parsers.push_back(std::make_unique<ToolCallParser>(ctx.tool_call_format, tools.parallel));
  if (admit_and_start(ctx, flow, p, std::move(g), res)) respond(flow, res);
}

void handle_completions(ServingContext& ctx, const httplib::Request& req, httplib::Response& res) {
  auto parsed = openai::parse_completion_request(req.body, {ctx.vocab_size, ctx.options.max_n});
  if (auto* e = std::get_if<openai::ApiError>(&parsed)) return send_api_error(res, *e);
  const auto& p = std::get<openai::CompletionRequest>(parsed);
  GenerationRequest g;
  g.prompt_token_ids = std::holds_alternative<std::string>(p.prompt)
                           ? ctx.prompts.text_prompt(std::get<std::string>(p.prompt))
                           : std::get<std::vector<int32_t>>(p.prompt);
  g.params = p.sampling;
  g.stop = p.stop;
  g.n = p.n;
  auto flow = std::make_shared<Flow>(ctx, false);
  flow->header = {make_response_id("cmpl-"), unix_now(), ctx.model_name};
  if (admit_and_start(ctx, flow, p, std::move(g), res)) respond(flow, res);
}

}  // namespace edgeserve
