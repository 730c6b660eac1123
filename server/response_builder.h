#pragma once
// The JSON bodies of chat and text completions, streamed chunks and usage, in the shapes of the OpenAI API
// reference (OPENAI_COMPAT.md "Streaming format" and "Responses"). Pure functions over plain data; the
// handlers decide what to send when.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/sampler/sampler.h"
#include "engine/tokenizer/tokenizer.h"

namespace edgeserve {

// What every object of one response shares.
struct ResponseHeader {
  std::string id;        // "chatcmpl-..." / "cmpl-..."
  int64_t created = 0;   // unix seconds, the same on every chunk
  std::string model;     // the served model name
};

struct UsageCounts {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t reasoning_tokens = 0;
};

// A random id with the given prefix ("chatcmpl-" + 24 hex digits).
std::string make_response_id(const std::string& prefix);

nlohmann::json usage_json(const UsageCounts& usage);

// One chat `logprobs.content[]` entry: {token, logprob, bytes, top_logprobs[]}. Token text is the piece's
// bytes made valid UTF-8 (U+FFFD), `bytes` the raw bytes.
nlohmann::json chat_logprob_entry(const Tokenizer& tokenizer, const sampler::SampleResult& sample);

// chat.completion.chunk with one choice: {index, delta, logprobs, finish_reason}.
nlohmann::json chat_chunk(const ResponseHeader& h, int64_t index, nlohmann::json delta,
                          const nlohmann::json& logprobs, const std::optional<std::string>& finish_reason);
// The final usage chunk: choices [] and usage.
nlohmann::json chat_usage_chunk(const ResponseHeader& h, const UsageCounts& usage);
// text_completion chunk with one choice: {index, text, logprobs, finish_reason}.
nlohmann::json completion_chunk(const ResponseHeader& h, int64_t index, const std::string& text,
                                const nlohmann::json& logprobs, const std::optional<std::string>& finish_reason);
nlohmann::json completion_usage_chunk(const ResponseHeader& h, const UsageCounts& usage);

// SSE framing: "data: <json>\n\n".
std::string sse_event(const nlohmann::json& body);
inline constexpr const char* kSseDone = "data: [DONE]\n\n";

}  // namespace edgeserve
