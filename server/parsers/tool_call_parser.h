#pragma once
// ToolCallParser: finds tool calls in one choice's content as it streams (OPENAI_COMPAT.md "Tool calls").
// Two formats: Hermes, which Qwen uses (`<tool_call>\n{"name": ..., "arguments": {...}}\n</tool_call>`, one or
// several; text before the first call is content), and Llama 3.x JSON (the whole answer is
// `{"name": ..., "parameters": {...}}`, several separated by ';', optionally after <|python_tag|>). Text that
// may still become a call is held back; a block that does not parse as a call is given back as content.
// Streaming deltas follow the protocol clients depend on: a call's first delta carries index, id, type and
// name (with empty arguments), the next its arguments; index is always present and name never repeats.
// Owns its buffers; pure text in, JSON deltas out.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgeserve {

enum class ToolCallFormat { kHermes, kLlama3Json };

// The format a model's chat template asks for: Llama 3.x templates (ipython / <|python_tag|>) get kLlama3Json,
// everything else Hermes (Qwen2.5/3, and the form the grammar enforces on templates without tool support).
ToolCallFormat tool_call_format_for_template(std::string_view chat_template_source);

struct ParsedToolCall {
  std::string id;          // "call_..."
  std::string name;
  std::string arguments;   // a JSON object, serialized
};

struct ToolCallDelta {
  std::string content;                                        // content released now
  nlohmann::json tool_calls = nlohmann::json::array();        // delta objects, in order
};

class ToolCallParser {
 public:
  // `parallel`: false keeps only the first call (parallel_tool_calls: false).
  ToolCallParser(ToolCallFormat format, bool parallel = true);

  ToolCallDelta add(std::string_view text);
  // The output ended: a block left open (cut off or ended by eos) becomes a call if it parses.
  ToolCallDelta finish();

  const std::vector<ParsedToolCall>& calls() const { return calls_; }

 private:
  void add_hermes(ToolCallDelta& out, bool at_end);
  void add_llama(ToolCallDelta& out, bool at_end);
  // Parses one call object; on success appends it (and its two deltas); false when it is not a call.
  bool take_call(std::string_view json_text, const char* arguments_key, ToolCallDelta& out);
  void release_content(std::string text, ToolCallDelta& out);

  ToolCallFormat format_;
  bool parallel_;
  std::string buffer_;
  bool in_call_ = false;           // Hermes: inside <tool_call> ... </tool_call>
  bool llama_json_ = false;        // Llama: the answer started as JSON and is being held
  bool llama_decided_ = false;     // Llama: seen the first non-space character
  std::vector<ParsedToolCall> calls_;
};

}  // namespace edgeserve
