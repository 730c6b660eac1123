#pragma once
// The constrained decoding a chat request asks for, turned into the engine's StructuredOutputSpec:
//   - response_format {"type": "json_object"} (any JSON object) or {"type": "json_schema", "json_schema":
//     {name, schema, strict}} (that schema); the grammar applies to the content, after </think> when the model
//     thinks first.
//   - tool_choice required / named: the call itself is forced -- the format's opening ("<tool_call>\n" for
//     Hermes), then a JSON object {"name": <one of the tools>, "arguments": <valid for that tool's
//     parameters>} ("parameters" for Llama 3 JSON), then the closing and a stop token.
//   - tool_choice auto on a vocabulary where <tool_call> is one token: free text until the model writes it,
//     then the call is constrained the same way, then free text again (more calls, or the end).
// tool_choice required / named outranks response_format. A schema the compiler refuses is a 400 naming it.
#include <optional>
#include <variant>

#include <nlohmann/json.hpp>

#include "engine/structured_output.h"
#include "server/openai/api_error.h"
#include "server/serving_context.h"
#include "server/tool_options.h"

namespace edgeserve {

std::variant<std::optional<StructuredOutputSpec>, openai::ApiError> build_structured_output(
    const nlohmann::ordered_json& body, const ToolOptions& tools, const ServingContext& ctx,
    bool thinks_first, const std::vector<int32_t>& stop_token_ids);

}  // namespace edgeserve
