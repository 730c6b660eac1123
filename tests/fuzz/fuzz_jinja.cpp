// libFuzzer target for the chat-template engine: the input bytes are a template source; it is parsed
// and rendered with a small fixed conversation (system, user, assistant with a tool call, tool result)
// and two tools. TemplateError (parse or render) is an expected outcome; anything else (a crash, a
// sanitizer report, another exception type) is a bug. Limits are lowered so each input runs fast.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/template/chat_template.h"

namespace {

const edgeserve::ChatTemplateInputs& inputs() {
  static const edgeserve::ChatTemplateInputs in = [] {
    edgeserve::ChatTemplateInputs i;
    i.messages = nlohmann::ordered_json::parse(R"([
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": "Weather in Zürich? 👋"},
      {"role": "assistant", "content": "<think>call</think>", "reasoning_content": "r",
       "tool_calls": [{"id": "call12345", "type": "function",
                       "function": {"name": "get_weather", "arguments": {"city": "Zürich"}}}]},
      {"role": "tool", "tool_call_id": "call12345", "content": "{\"t\": 21}"},
      {"role": "user", "content": ""}])");
    i.tools = nlohmann::ordered_json::parse(R"([
      {"type": "function", "function": {"name": "get_weather", "description": "Weather — météo",
       "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                      "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}},
      {"type": "function", "function": {"name": "noop", "parameters": {"type": "object", "properties": {}}}}])");
    i.add_generation_prompt = true;
    i.bos_token = "<s>";
    i.eos_token = "</s>";
    i.extra_kwargs = {{"enable_thinking", false}};
    i.clock = [] { return std::chrono::system_clock::time_point{}; };
    return i;
  }();
  return in;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string source(reinterpret_cast<const char*>(data), size);
  try {
    edgeserve::ChatTemplate t = edgeserve::ChatTemplate::parse(std::move(source), "fuzz");
    edgeserve::tmpl::RenderLimits limits;
    limits.max_steps = 200'000;
    limits.max_output_bytes = 1u << 20;
    limits.max_collection_items = 1u << 16;
    limits.max_total_bytes = 32u << 20;
    t.set_limits(limits);
    t.render(inputs());
  } catch (const edgeserve::TemplateError&) {
  }
  return 0;
}
