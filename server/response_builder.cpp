#include "server/response_builder.h"

#include <random>

#include "engine/util/utf8.h"

namespace edgeserve {

std::string make_response_id(const std::string& prefix) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  static const char* hex = "0123456789abcdef";
  std::string id = prefix;
  for (int i = 0; i < 24; ++i) id.push_back(hex[rng() % 16]);
  return id;
}

nlohmann::json usage_json(const UsageCounts& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", u.cached_tokens}}},
          {"completion_tokens_details", {{"reasoning_tokens", u.reasoning_tokens}}}};
}

namespace {

nlohmann::json token_fields(const Tokenizer& tokenizer, int32_t id, float logprob) {
  const std::string& piece = tokenizer.token_to_piece(id);
  nlohmann::json bytes = nlohmann::json::array();
  for (unsigned char c : piece) bytes.push_back(static_cast<int>(c));
  return {{"token", utf8::sanitize(piece)}, {"logprob", logprob}, {"bytes", std::move(bytes)}};
}

}  // namespace

nlohmann::json chat_logprob_entry(const Tokenizer& tokenizer, const sampler::SampleResult& sample) {
  nlohmann::json entry = token_fields(tokenizer, sample.token_id, sample.logprob);
  nlohmann::json top = nlohmann::json::array();
  for (const auto& t : sample.top()) top.push_back(token_fields(tokenizer, t.token_id, t.logprob));
  entry["top_logprobs"] = std::move(top);
  return entry;
}

nlohmann::json chat_chunk(const ResponseHeader& h, int64_t index, nlohmann::json delta, const nlohmann::json& logprobs,
                          const std::optional<std::string>& finish_reason) {
  nlohmann::json choice = {{"index", index},
                           {"delta", std::move(delta)},
                           {"logprobs", logprobs},
                           {"finish_reason", finish_reason ? nlohmann::json(*finish_reason) : nlohmann::json()}};
  return {{"id", h.id},
          {"object", "chat.completion.chunk"},
          {"created", h.created},
          {"model", h.model},
          {"system_fingerprint", nullptr},
          {"choices", nlohmann::json::array({std::move(choice)})}};
}

nlohmann::json chat_usage_chunk(const ResponseHeader& h, const UsageCounts& usage) {
  return {{"id", h.id},
          {"object", "chat.completion.chunk"},
          {"created", h.created},
          {"model", h.model},
          {"system_fingerprint", nullptr},
          {"choices", nlohmann::json::array()},
          {"usage", usage_json(usage)}};
}

nlohmann::json completion_chunk(const ResponseHeader& h, int64_t index, const std::string& text,
                                const nlohmann::json& logprobs, const std::optional<std::string>& finish_reason) {
  nlohmann::json choice = {{"index", index},
                           {"text", text},
                           {"logprobs", logprobs},
                           {"finish_reason", finish_reason ? nlohmann::json(*finish_reason) : nlohmann::json()}};
  return {{"id", h.id},
          {"object", "text_completion"},
          {"created", h.created},
          {"model", h.model},
          {"system_fingerprint", nullptr},
          {"choices", nlohmann::json::array({std::move(choice)})}};
}

nlohmann::json completion_usage_chunk(const ResponseHeader& h, const UsageCounts& usage) {
  return {{"id", h.id},
          {"object", "text_completion"},
          {"created", h.created},
          {"model", h.model},
          {"system_fingerprint", nullptr},
          {"choices", nlohmann::json::array()},
          {"usage", usage_json(usage)}};
}

std::string sse_event(const nlohmann::json& body) {
  // error_handler::replace: text is valid UTF-8 by construction, but never let a dump() throw mid-stream.
  return "data: " + body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
}

}  // namespace edgeserve
