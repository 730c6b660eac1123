#pragma once
// ThinkingOptions: a chat request's thinking switches (OPENAI_COMPAT.md "Thinking mode"), resolved against the
// server defaults. The switch, first present wins: chat_template_kwargs.enable_thinking > top-level
// enable_thinking (what extra_body sends) > reasoning_effort ("none" = off, any other effort = on) > the server
// default (--default-enable-thinking; only for models with think tags). Output: return_reasoning /
// include_reasoning (false drops reasoning), reasoning_format ("separate" or "inline": <think>...</think> inside
// content), thinking_budget / thinking_token_budget (else --max-thinking-tokens). Pure.
#include <cstdint>
#include <optional>
#include <variant>

#include <nlohmann/json.hpp>

#include "server/openai/api_error.h"

namespace edgeserve {

struct ThinkingDefaults {
  bool model_has_reasoning = false;   // the vocabulary has <think> and </think>
  bool enable_thinking = true;        // --default-enable-thinking
  bool inline_format = false;         // --reasoning-format inline
  int64_t max_thinking_tokens = 0;    // --max-thinking-tokens; 0: no budget
};

struct ThinkingOptions {
  std::optional<bool> enable_thinking;   // passed to the template when set
  bool include_reasoning = true;
  bool inline_format = false;
  std::optional<int64_t> budget;         // reasoning tokens before </think> is forced
};

std::variant<ThinkingOptions, openai::ApiError> resolve_thinking(const nlohmann::ordered_json& body,
                                                                 const nlohmann::json& chat_template_kwargs,
                                                                 const ThinkingDefaults& defaults);

}  // namespace edgeserve
