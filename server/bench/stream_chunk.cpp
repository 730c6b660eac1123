// OpenAI stream payload interpretation: see stream_chunk.h. Tolerant of fields servers disagree on (null
// content, missing usage, reasoning fields), strict about the payload being a JSON object.
#include "server/bench/stream_chunk.h"

#include <stdexcept>

#include <nlohmann/json.hpp>

namespace edgeserve::bench {
namespace {

void append_string_field(const nlohmann::json& object, const char* key, std::string& out) {
  auto it = object.find(key);
  if (it != object.end() && it->is_string()) out += it->get_ref<const std::string&>();
}

int64_t integer_field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return -1;
  return it->get<int64_t>();
}

std::string truncated(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return std::string(text.substr(0, max_bytes)) + "...";
}

}  // namespace

StreamChunk parse_stream_chunk(std::string_view data) {
  StreamChunk chunk;
  std::string_view trimmed = data;
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\n')) trimmed.remove_suffix(1);
  if (trimmed == "[DONE]") {
    chunk.kind = ChunkKind::kDone;
    return chunk;
  }
  nlohmann::json json = nlohmann::json::parse(data, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    throw std::runtime_error("stream chunk is not valid JSON: '" + truncated(data, 200) + "'");
  }
  if (!json.is_object()) {
    throw std::runtime_error("stream chunk is not a JSON object: '" + truncated(data, 200) + "'");
  }
  if (auto error = json.find("error"); error != json.end() && !error->is_null()) {
    chunk.kind = ChunkKind::kError;
    if (error->is_object() && error->contains("message") && (*error)["message"].is_string()) {
      chunk.error_message = (*error)["message"].get<std::string>();
    } else {
      chunk.error_message = truncated(data, 200);
    }
    return chunk;
  }
  if (auto choices = json.find("choices"); choices != json.end() && choices->is_array() && !choices->empty()) {
    const nlohmann::json& choice = choices->front();
    if (choice.is_object()) {
      if (auto delta = choice.find("delta"); delta != choice.end() && delta->is_object()) {
        append_string_field(*delta, "reasoning_content", chunk.text);
        append_string_field(*delta, "reasoning", chunk.text);
        append_string_field(*delta, "content", chunk.text);
      } else {
        append_string_field(choice, "text", chunk.text);
      }
    }
  }
  if (auto usage = json.find("usage"); usage != json.end() && usage->is_object()) {
    chunk.usage = UsageCounts{integer_field(*usage, "prompt_tokens"), integer_field(*usage, "completion_tokens")};
  }
  return chunk;
}

}  // namespace edgeserve::bench
