// POST /v1/completions body -> CompletionRequest (see completion_request.h).
#include "server/openai/completion_request.h"

#include <utility>

#include "server/openai/request_fields.h"
#include "server/openai/request_json.h"

namespace edgeserve::openai {

namespace {

using Json = nlohmann::ordered_json;
using detail::fail;

constexpr const char* kPromptParam = "prompt";

std::vector<int32_t> read_token_ids(const Json& array, const RequestLimits& limits) {
  std::vector<int32_t> ids;
  ids.reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    const std::optional<int64_t> id = detail::as_integer(array[i]);
    if (!id)
      fail("prompt[" + std::to_string(i) + "] must be an integer token id, got " + detail::json_kind(array[i]),
           kPromptParam);
    ids.push_back(detail::to_token_id(*id, limits, "prompt token id", kPromptParam));
  }
  return ids;
}

std::variant<std::string, std::vector<int32_t>> read_prompt(const Json& body, const RequestLimits& limits) {
  const auto it = body.find("prompt");
  if (it == body.end() || it->is_null()) fail("prompt is missing", kPromptParam);
  const Json* prompt = &*it;
  // [string] and [[ids]] are batches of one: unwrap them; larger batches are refused (one prompt per request).
  if (prompt->is_array() && prompt->size() == 1 && ((*prompt)[0].is_string() || (*prompt)[0].is_array()))
    prompt = &(*prompt)[0];
  else if (prompt->is_array() && !prompt->empty() && ((*prompt)[0].is_string() || (*prompt)[0].is_array()))
    fail("prompt holds " + std::to_string(prompt->size()) +
             " prompts; send one prompt per request (a string or an array of token ids)",
         kPromptParam);

  if (prompt->is_string()) {
    if (prompt->get_ref<const std::string&>().empty()) fail("prompt must not be empty", kPromptParam);
    return prompt->get<std::string>();
  }
  if (!prompt->is_array())
    fail(std::string("prompt must be a string or an array of token ids, got ") + detail::json_kind(*prompt),
         kPromptParam);
  if (prompt->empty()) fail("prompt must not be empty", kPromptParam);
  return read_token_ids(*prompt, limits);
}

CompletionRequest read_completion_request(std::string_view body_text, const RequestLimits& limits) {
  Json body = detail::parse_request_body(body_text);
  detail::CommonRequestFields common = detail::read_common_fields(body, limits);

  CompletionRequest request;
  request.prompt = read_prompt(body, limits);

  if (detail::read_bool(body, "echo").value_or(false))
    fail("echo is not supported; send echo: false or leave it out", "echo");
  if (!detail::read_string(body, "suffix").value_or("").empty())
    fail("suffix (insertion) is not supported by this server", "suffix");
  if (const std::optional<int64_t> best_of = detail::read_integer(body, "best_of"); best_of && *best_of != common.n)
    fail("best_of is not supported; leave it out or set it equal to n", "best_of");

  // The legacy API's logprobs is a count of alternatives per token, not a bool.
  if (const std::optional<int64_t> logprobs = detail::read_integer(body, "logprobs")) {
    if (*logprobs < 0 || *logprobs > kMaxCompletionLogprobs)
      fail("logprobs must be in [0, " + std::to_string(kMaxCompletionLogprobs) + "], got " +
               std::to_string(*logprobs),
           "logprobs");
    common.sampling.logprobs = true;
    common.sampling.top_logprobs = static_cast<int32_t>(*logprobs);
  }
  detail::check_sampling_params(common.sampling, limits, common.max_tokens_param);

  detail::move_common_fields(std::move(common), std::move(body), request);
  return request;
}

}  // namespace

std::variant<CompletionRequest, ApiError> parse_completion_request(std::string_view body,
                                                                   const RequestLimits& limits) {
  try {
    return read_completion_request(body, limits);
  } catch (detail::RequestFault& fault) {
    return std::move(fault.error);
  }
}

}  // namespace edgeserve::openai
