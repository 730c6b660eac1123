// POST /v1/chat/completions body -> ChatCompletionRequest (see chat_request.h).
#include "server/openai/chat_request.h"

#include <limits>
#include <utility>

#include "server/openai/chat_messages.h"
#include "server/openai/request_fields.h"
#include "server/openai/request_json.h"

namespace edgeserve::openai {

namespace {

using Json = nlohmann::ordered_json;

ChatCompletionRequest read_chat_request(std::string_view body_text, const RequestLimits& limits) {
  Json body = detail::parse_request_body(body_text);
  detail::CommonRequestFields common = detail::read_common_fields(body, limits);

  ChatCompletionRequest request;
  const auto messages = body.find("messages");
  request.messages = normalize_chat_messages(messages == body.end() ? Json() : *messages);

  // Chat logprobs is a bool; top_logprobs (0..20) asks for alternatives and needs logprobs.
  common.sampling.logprobs = detail::read_bool(body, "logprobs").value_or(false);
  const int64_t top_logprobs = detail::read_integer(body, "top_logprobs").value_or(0);
  // validate() owns the [0, 20] range; only values that would not survive the narrowing are refused here.
  if (top_logprobs < std::numeric_limits<int32_t>::min() || top_logprobs > std::numeric_limits<int32_t>::max())
    detail::fail("top_logprobs must be in [0, " + std::to_string(kMaxTopLogprobs) + "], got " +
                     std::to_string(top_logprobs),
                 "top_logprobs");
  common.sampling.top_logprobs = static_cast<int32_t>(top_logprobs);
  detail::check_sampling_params(common.sampling, limits, common.max_tokens_param);

  if (const Json* kwargs = detail::read_object(body, "chat_template_kwargs"))
    request.chat_template_kwargs = nlohmann::json(*kwargs);

  detail::move_common_fields(std::move(common), std::move(body), request);
  return request;
}

}  // namespace

std::variant<ChatCompletionRequest, ApiError> parse_chat_completion_request(std::string_view body,
                                                                             const RequestLimits& limits) {
  try {
    return read_chat_request(body, limits);
  } catch (detail::RequestFault& fault) {
    return std::move(fault.error);
  }
}

}  // namespace edgeserve::openai
