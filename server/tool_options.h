#pragma once
// ToolOptions: a chat request's `tools`, `tool_choice` and `parallel_tool_calls`, validated (OPENAI_COMPAT.md
// "Requests as they arrive"): tools [] or malformed, tool_choice required/named without tools, a named tool
// that does not exist -> a 400 naming the field. tool_choice absent means auto when tools exist. Pure.
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "server/openai/api_error.h"

namespace edgeserve {

enum class ToolChoice { kNone, kAuto, kRequired, kNamed };

struct ToolOptions {
  nlohmann::ordered_json tools;           // null, or the request's tool list (what the template renders)
  ToolChoice choice = ToolChoice::kNone;
  std::string named;                      // kNamed: the function's name
  bool parallel = true;

  bool parse_calls() const { return choice != ToolChoice::kNone; }
  // The function definition named `name` (its "function" object), or null.
  const nlohmann::ordered_json* find(const std::string& name) const;
};

std::variant<ToolOptions, openai::ApiError> resolve_tools(const nlohmann::ordered_json& body);

}  // namespace edgeserve
