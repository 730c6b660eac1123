#include "server/thinking_options.h"

#include <string>

namespace edgeserve {
namespace {

template <typename Json>
std::optional<openai::ApiError> read_bool(const Json& body, const char* key, std::optional<bool>& out) {
  if (!body.contains(key) || body[key].is_null()) return std::nullopt;
  if (!body[key].is_boolean()) return openai::invalid_request(std::string(key) + " must be a boolean", key);
  out = body[key].template get<bool>();
  return std::nullopt;
}

}  // namespace

std::variant<ThinkingOptions, openai::ApiError> resolve_thinking(const nlohmann::ordered_json& body,
                                                                 const nlohmann::json& chat_template_kwargs,
                                                                 const ThinkingDefaults& defaults) {
  ThinkingOptions out;
  std::optional<bool> from_kwargs, top_level, return_reasoning, include_reasoning;
  if (chat_template_kwargs.contains("enable_thinking") && !chat_template_kwargs["enable_thinking"].is_null()) {
    if (!chat_template_kwargs["enable_thinking"].is_boolean())
      return openai::invalid_request("chat_template_kwargs.enable_thinking must be a boolean", "chat_template_kwargs");
    from_kwargs = chat_template_kwargs["enable_thinking"].get<bool>();
  }
  if (auto e = read_bool(body, "enable_thinking", top_level)) return *e;
  if (auto e = read_bool(body, "return_reasoning", return_reasoning)) return *e;
  if (auto e = read_bool(body, "include_reasoning", include_reasoning)) return *e;

  std::optional<bool> from_effort;
  if (body.contains("reasoning_effort") && !body["reasoning_effort"].is_null()) {
    if (!body["reasoning_effort"].is_string())
      return openai::invalid_request("reasoning_effort must be a string", "reasoning_effort");
    from_effort = body["reasoning_effort"].get<std::string>() != "none";
  }
  if (from_kwargs)
    out.enable_thinking = from_kwargs;
  else if (top_level)
    out.enable_thinking = top_level;
  else if (from_effort)
    out.enable_thinking = from_effort;
  else if (defaults.model_has_reasoning)
    out.enable_thinking = defaults.enable_thinking;

  out.include_reasoning = return_reasoning.value_or(include_reasoning.value_or(true));
  out.inline_format = defaults.inline_format;
  if (body.contains("reasoning_format") && !body["reasoning_format"].is_null()) {
    const auto& f = body["reasoning_format"];
    if (!f.is_string() || (f != "separate" && f != "inline"))
      return openai::invalid_request("reasoning_format must be \"separate\" or \"inline\"", "reasoning_format");
    out.inline_format = f == "inline";
  }
  for (const char* key : {"thinking_budget", "thinking_token_budget"}) {
    if (!body.contains(key) || body[key].is_null()) continue;
    if (!body[key].is_number_integer() || body[key].template get<int64_t>() < 0)
      return openai::invalid_request(std::string(key) + " must be an integer >= 0", key);
    out.budget = body[key].template get<int64_t>();
    break;
  }
  if (!out.budget && defaults.max_thinking_tokens > 0) out.budget = defaults.max_thinking_tokens;
  return out;
}

}  // namespace edgeserve
