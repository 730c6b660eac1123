#include "server/tool_options.h"

namespace edgeserve {
namespace {

bool valid_function_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

const nlohmann::ordered_json* ToolOptions::find(const std::string& name) const {
  if (!tools.is_array()) return nullptr;
  for (const auto& t : tools)
    if (t["function"]["name"] == name) return &t["function"];
  return nullptr;
}

std::variant<ToolOptions, openai::ApiError> resolve_tools(const nlohmann::ordered_json& body) {
  ToolOptions out;
  const bool has_tools = body.contains("tools") && !body["tools"].is_null();
  if (has_tools) {
    const auto& tools = body["tools"];
    if (!tools.is_array()) return openai::invalid_request("tools must be an array of function tools", "tools");
    if (tools.empty()) return openai::invalid_request("tools must not be empty (leave it out instead)", "tools");
    for (size_t i = 0; i < tools.size(); ++i) {
      const auto& t = tools[i];
      const std::string at = "tools[" + std::to_string(i) + "]";
      if (!t.is_object() || t.value("type", "") != "function" || !t.contains("function") || !t["function"].is_object())
        return openai::invalid_request(at + " must be {\"type\": \"function\", \"function\": {...}}", "tools");
      const auto& f = t["function"];
      if (!f.contains("name") || !f["name"].is_string() || !valid_function_name(f["name"].get<std::string>()))
        return openai::invalid_request(at + ".function.name must be 1-64 letters, digits, '_' or '-'", "tools");
      if (f.contains("parameters") && !f["parameters"].is_null() && !f["parameters"].is_object())
        return openai::invalid_request(at + ".function.parameters must be a JSON Schema object", "tools");
    }
    out.tools = tools;
  }
  out.choice = has_tools ? ToolChoice::kAuto : ToolChoice::kNone;
  if (body.contains("tool_choice") && !body["tool_choice"].is_null()) {
    const auto& c = body["tool_choice"];
    if (c.is_string()) {
      const std::string s = c.get<std::string>();
      if (s == "none") out.choice = ToolChoice::kNone;
      else if (s == "auto") out.choice = ToolChoice::kAuto;
      else if (s == "required") out.choice = ToolChoice::kRequired;
      else return openai::invalid_request("tool_choice must be none, auto, required or a named function", "tool_choice");
    } else if (c.is_object() && c.value("type", "") == "function" && c.contains("function") &&
               c["function"].is_object() && c["function"].contains("name") && c["function"]["name"].is_string()) {
      out.choice = ToolChoice::kNamed;
      out.named = c["function"]["name"].get<std::string>();
    } else {
      return openai::invalid_request("tool_choice must be none, auto, required or "
                                     "{\"type\": \"function\", \"function\": {\"name\": ...}}", "tool_choice");
    }
    if ((out.choice == ToolChoice::kRequired || out.choice == ToolChoice::kNamed) && !has_tools)
      return openai::invalid_request("tool_choice " + std::string(out.choice == ToolChoice::kNamed ? "naming a function" : "required") +
                                     " needs tools", "tool_choice");
    if (out.choice == ToolChoice::kNamed && out.find(out.named) == nullptr)
      return openai::invalid_request("tool_choice names '" + out.named.substr(0, 64) + "', which is not in tools",
                                     "tool_choice");
    if (out.choice == ToolChoice::kAuto && !has_tools) out.choice = ToolChoice::kNone;
  }
  if (body.contains("parallel_tool_calls") && !body["parallel_tool_calls"].is_null()) {
    if (!body["parallel_tool_calls"].is_boolean())
      return openai::invalid_request("parallel_tool_calls must be a boolean", "parallel_tool_calls");
    out.parallel = body["parallel_tool_calls"].get<bool>();
  }
  return out;
}

}  // namespace edgeserve
