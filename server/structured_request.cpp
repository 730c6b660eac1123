#include "server/structured_request.h"

#include "engine/structured/json_schema_compiler.h"
#include "engine/structured/token_mask_cache.h"

namespace edgeserve {
namespace {

using Json = nlohmann::ordered_json;

// {"name": <const name>, "<arguments_key>": <parameters schema>} with no other keys.
Json call_schema(const Json& function, const char* arguments_key) {
  Json parameters = function.contains("parameters") && function["parameters"].is_object()
                        ? function["parameters"]
                        : Json{{"type", "object"}};
  Json properties = Json::object();
  properties["name"] = Json{{"const", function["name"]}};
  properties[arguments_key] = parameters;
  return Json{{"type", "object"},
              {"properties", properties},
              {"required", Json::array({"name", arguments_key})},
              {"additionalProperties", false}};
}

openai::ApiError schema_error(const structured::SchemaError& e, const std::string& param) {
  return openai::invalid_request(param + ": unsupported or malformed schema at '" + e.path + "': " + e.message, param);
}

}  // namespace

std::variant<std::optional<StructuredOutputSpec>, openai::ApiError> build_structured_output(
    const Json& body, const ToolOptions& tools, const ServingContext& ctx, bool thinks_first,
    const std::vector<int32_t>& stop_token_ids) {
  StructuredOutputSpec spec;
  spec.index = ctx.token_index;
  spec.stop_token_ids = stop_token_ids;
  if (thinks_first && ctx.reasoning) spec.wait_for_token = ctx.reasoning->think_end;
  const bool hermes = ctx.tool_call_format == ToolCallFormat::kHermes;
  const char* arguments_key = hermes ? "arguments" : "parameters";

  const bool forced_call = tools.choice == ToolChoice::kRequired || tools.choice == ToolChoice::kNamed;
  try {
    if (forced_call || tools.choice == ToolChoice::kAuto) {
      Json schema;
      if (tools.choice == ToolChoice::kNamed) {
        schema = call_schema(*tools.find(tools.named), arguments_key);
      } else {
        Json any = Json::array();
        for (const auto& t : tools.tools) any.push_back(call_schema(t["function"], arguments_key));
        schema = any.size() == 1 ? any[0] : Json{{"anyOf", any}};
      }
      if (tools.choice == ToolChoice::kAuto) {
        // Only where the opening is one token can the model's own choice to call be seen; and a
        // response_format, if any, takes the content instead.
        const auto open = ctx.tokenizer.token_id("<tool_call>");
        if (!hermes || !open || body.contains("response_format")) return std::optional<StructuredOutputSpec>();
        spec.trigger_token = *open;
        spec.prefix_tokens = ctx.tokenizer.encode("\n", false, false);
        spec.stop_after = false;
      } else if (hermes) {
        spec.prefix_tokens = ctx.tokenizer.encode("<tool_call>\n", false, false);
      }
      if (hermes) spec.suffix_tokens = ctx.tokenizer.encode("\n</tool_call>", false, false);
      spec.grammar = structured::compile_json_schema(schema);
    } else if (body.contains("response_format") && !body["response_format"].is_null()) {
      const auto& rf = body["response_format"];
      if (!rf.is_object() || !rf.contains("type") || !rf["type"].is_string())
        return openai::invalid_request("response_format must be an object with a type", "response_format");
      const std::string type = rf["type"].get<std::string>();
      if (type == "text") return std::optional<StructuredOutputSpec>();
      if (type == "json_object") {
        spec.grammar = structured::compile_json_object_grammar();
      } else if (type == "json_schema") {
        if (!rf.contains("json_schema") || !rf["json_schema"].is_object() || !rf["json_schema"].contains("schema") ||
            !rf["json_schema"]["schema"].is_object())
          return openai::invalid_request("response_format json_schema needs {\"json_schema\": {\"name\", \"schema\"}}",
                                         "response_format");
        spec.grammar = structured::compile_json_schema(rf["json_schema"]["schema"]);
      } else {
        return openai::invalid_request("response_format type must be text, json_object or json_schema",
                                       "response_format");
      }
    } else {
      return std::optional<StructuredOutputSpec>();
    }
  } catch (const structured::SchemaError& e) {
    return schema_error(e, forced_call || tools.choice == ToolChoice::kAuto ? "tools" : "response_format");
  } catch (const std::length_error& e) {
    return openai::invalid_request(std::string("the schema is too large: ") + e.what(),
                                   forced_call ? "tools" : "response_format");
  }
  spec.cache = std::make_shared<structured::TokenMaskCache>(spec.grammar, spec.index);
  return std::optional<StructuredOutputSpec>(std::move(spec));
}

}  // namespace edgeserve
