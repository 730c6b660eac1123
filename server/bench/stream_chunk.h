#pragma once
// Interprets the `data:` payload of one OpenAI streaming event (chat.completion.chunk or text_completion)
// for the load generator: the text it carries, the usage it reports, an in-stream error, or `[DONE]`.
// It owns no state and must not measure time; the caller timestamps the chunk.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgeserve::bench {

enum class ChunkKind {
  kData,   // a JSON chunk (may carry text, usage, both or neither)
  kDone,   // the `[DONE]` sentinel
  kError,  // {"error": ...}: the server gave up mid-stream
};

struct UsageCounts {
  int64_t prompt_tokens = -1;      // -1: the field was absent
  int64_t completion_tokens = -1;  // -1: the field was absent
};

struct StreamChunk {
  ChunkKind kind = ChunkKind::kData;
  // Output text of choices[0]: delta.content (+ delta.reasoning_content / delta.reasoning) for chat,
  // text for completions. Empty for the role-only first chat chunk and the final usage chunk.
  std::string text;
  std::optional<UsageCounts> usage;  // present when the chunk has a non-null "usage" object
  std::string error_message;         // kError only: error.message, or the raw payload
};

// Throws std::runtime_error naming the fault when the payload is not JSON or not an object.
StreamChunk parse_stream_chunk(std::string_view data);

}  // namespace edgeserve::bench
