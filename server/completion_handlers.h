#pragma once
// The generation endpoints: POST /v1/chat/completions and POST /v1/completions, streamed (SSE, OPENAI_COMPAT.md
// "Streaming format") or not. Validation failures answer 4xx before any byte of the body; once admitted, the
// response is produced by a content provider that polls the GenerationSession, and a failed write (the
// client left) aborts the session, freeing its KV blocks.
#include <httplib.h>

#include "server/serving_context.h"

namespace edgeserve {

void handle_chat_completions(ServingContext& ctx, const httplib::Request& req, httplib::Response& res);
void handle_completions(ServingContext& ctx, const httplib::Request& req, httplib::Response& res);

// Writes an OpenAI error object with its status (and Retry-After for 429 / 503).
void send_error(httplib::Response& res, int status, const std::string& type, const std::string& message,
                const std::optional<std::string>& param = std::nullopt,
                const std::optional<std::string>& code = std::nullopt);

}  // namespace edgeserve
