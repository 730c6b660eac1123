#include "server/http_routes.h"

#include "server/completion_handlers.h"
#include "server/http_server.h"
#include "server/openai/chat_request.h"
#include "server/thinking_options.h"
#include "version.h"

namespace edgeserve {
namespace {

void send_json(httplib::Response& res, const nlohmann::json& body) {
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

nlohmann::json model_card(const ServingContext& ctx) {
  return {{"id", ctx.model_name},     {"object", "model"},       {"created", ctx.created},
          {"owned_by", "edgeserve"},  {"root", ctx.model_name},  {"parent", nullptr},
          {"max_model_len", ctx.max_model_len}};
}

void handle_tokenize(ServingContext& ctx, const httplib::Request& req, httplib::Response& res) {
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return send_error(res, 400, "invalid_request_error", "the body must be a JSON object");
  std::vector<int32_t> ids;
  if (body.contains("messages")) {
    auto parsed = openai::parse_chat_completion_request(req.body, {ctx.vocab_size, ctx.options.max_n});
    if (auto* e = std::get_if<openai::ApiError>(&parsed)) {
      res.status = e->status;
      return send_json(res, e->to_json());
    }
    const auto& p = std::get<openai::ChatCompletionRequest>(parsed);
    if (!ctx.prompts.has_chat_template())
      return send_error(res, 400, "invalid_request_error", "this model has no chat template", "messages");
    const auto add_gen = body.value("add_generation_prompt", true);
    // The same thinking switches as a chat request, so the ids are the prompt that request would run.
    const ThinkingDefaults defaults{ctx.reasoning.has_value(), ctx.options.default_enable_thinking,
                                    ctx.options.reasoning_format_inline, ctx.options.max_thinking_tokens};
    auto thinking = resolve_thinking(p.raw, p.chat_template_kwargs, defaults);
    if (auto* e = std::get_if<openai::ApiError>(&thinking)) {
      res.status = e->status;
      return send_json(res, e->to_json());
    }
    nlohmann::ordered_json kwargs = p.chat_template_kwargs;
    if (auto on = std::get<ThinkingOptions>(thinking).enable_thinking) kwargs["enable_thinking"] = *on;
    try {
      ids = ctx.prompts.chat_prompt(p.messages, nullptr, kwargs, add_gen);
    } catch (const std::exception& e) {
      return send_error(res, 400, "invalid_request_error", std::string("chat template: ") + e.what(), "messages");
    }
  } else if (body.contains("prompt") && body["prompt"].is_string()) {
    const bool add_special = !body.contains("add_special_tokens") || body["add_special_tokens"] == true;
    ids = ctx.prompts.text_prompt(body["prompt"].get<std::string>(), add_special);
  } else {
    return send_error(res, 400, "invalid_request_error", "send a string `prompt` or `messages`", "prompt");
  }
  send_json(res, {{"count", ids.size()}, {"max_model_len", ctx.max_model_len}, {"tokens", ids}});
}

void handle_detokenize(ServingContext& ctx, const httplib::Request& req, httplib::Response& res) {
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object() || !body.contains("tokens") || !body["tokens"].is_array())
    return send_error(res, 400, "invalid_request_error", "send {\"tokens\": [ids]}", "tokens");
  std::vector<int32_t> ids;
  for (const auto& t : body["tokens"]) {
    if (!t.is_number_integer() || t.get<int64_t>() < 0 || t.get<int64_t>() >= ctx.vocab_size)
      return send_error(res, 400, "invalid_request_error",
                        "tokens must be integers in [0, " + std::to_string(ctx.vocab_size) + ")", "tokens");
    ids.push_back(t.get<int32_t>());
  }
  send_json(res, {{"prompt", ctx.tokenizer.decode(ids, false)}});
}

void method_not_allowed(httplib::Server& server, const char* path, const char* allowed, bool get) {
  auto handler = [allowed](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Allow", allowed);
    send_error(res, 405, "invalid_request_error", req.method + " is not allowed here; use " + allowed);
  };
  if (get)
    server.Get(path, handler);
  else
    server.Post(path, handler);
  server.Put(path, handler);
  server.Delete(path, handler);
  server.Patch(path, handler);
}

}  // namespace

void register_routes(const RouteTable& r) {
  httplib::Server& s = r.server;
  auto with_context = [r](void (*handler)(ServingContext&, const httplib::Request&, httplib::Response&)) {
    return [r, handler](const httplib::Request& req, httplib::Response& res) {
      if (ServingContext* ctx = r.context(res)) handler(*ctx, req, res);
    };
  };
  s.Get("/health", [r](const httplib::Request&, httplib::Response& res) {
    if (r.state.load() == ServerState::kReady) {
      res.status = 200;
      return;
    }
    r.context(res);   // answers 503 (loading or draining)
  });
  s.Get("/version", [r](const httplib::Request&, httplib::Response& res) {
    nlohmann::json body{{"version", EDGESERVE_VERSION}};
    // Once the model is ready: where it runs. A scratch response takes the 503 a draining server would give.
    httplib::Response scratch;
    if (r.state.load() == ServerState::kReady)
      if (const ServingContext* ctx = r.context(scratch)) body.update({{"device", ctx->device}, {"backend", ctx->backend_name}});
    send_json(res, body);
  });
  s.Get("/metrics", with_context([](ServingContext& ctx, const httplib::Request&, httplib::Response& res) {
    res.set_content(ctx.metrics.render(ctx.loop.stats()), "text/plain; version=0.0.4; charset=utf-8");
  }));
  s.Get("/v1/models", with_context([](ServingContext& ctx, const httplib::Request&, httplib::Response& res) {
    send_json(res, {{"object", "list"}, {"data", nlohmann::json::array({model_card(ctx)})}});
  }));
  s.Get(R"(/v1/models/(.+))", with_context([](ServingContext& ctx, const httplib::Request& req, httplib::Response& res) {
    if (req.matches[1] != ctx.model_name)
      return send_error(res, 404, "invalid_request_error", "the model '" + std::string(req.matches[1]) + "' does not exist",
                        "model", "model_not_found");
    send_json(res, model_card(ctx));
  }));
  s.Post("/tokenize", with_context(handle_tokenize));
  s.Post("/detokenize", with_context(handle_detokenize));
  s.Post("/v1/chat/completions", with_context(handle_chat_completions));
  s.Post("/v1/completions", with_context(handle_completions));

  for (const char* path : {"/tokenize", "/detokenize", "/v1/chat/completions", "/v1/completions"})
    method_not_allowed(s, path, "POST", /*get=*/true);
  for (const char* path : {"/health", "/version", "/metrics", "/v1/models"})
    method_not_allowed(s, path, "GET", /*get=*/false);
}

}  // namespace edgeserve
