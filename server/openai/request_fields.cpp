// Shared request fields of the chat and completion endpoints (see request_fields.h).
#include "server/openai/request_fields.h"

#include <cassert>
#include <charconv>
#include <cmath>
#include <limits>

#include "server/openai/request_json.h"

namespace edgeserve::openai::detail {

namespace {

using Json = nlohmann::ordered_json;

// logit_bias keys are token ids written as decimal strings ("50256"), as OpenAI documents them.
int32_t parse_logit_bias_key(const std::string& key, const RequestLimits& limits) {
  int64_t value = 0;
  const char* first = key.data();
  const char* last = key.data() + key.size();
  const auto [end, ec] = std::from_chars(first, last, value);
  if (key.empty() || end != last || (ec != std::errc() && ec != std::errc::result_out_of_range))
    fail("logit_bias keys must be token ids written as decimal integers, got " + quote_input(key), "logit_bias");
  if (ec == std::errc::result_out_of_range)
    fail("logit_bias token id " + quote_input(key) + " is outside the vocabulary [0, " +
             std::to_string(limits.vocab_size) + ")",
         "logit_bias");
  return to_token_id(value, limits, "logit_bias token id", "logit_bias");
}

std::map<int32_t, float> read_logit_bias(const Json& body, const RequestLimits& limits) {
  std::map<int32_t, float> logit_bias;
  const Json* object = read_object(body, "logit_bias");
  if (object == nullptr) return logit_bias;
  for (const auto& [key, value] : object->items()) {
    const int32_t token_id = parse_logit_bias_key(key, limits);
    if (!value.is_number())
      fail("logit_bias values must be numbers, got " + std::string(json_kind(value)) + " for token " +
               std::to_string(token_id),
           "logit_bias");
    // Out-of-float-range doubles become +-inf (a plain cast would be UB); validate() then rejects them.
    const double bias = value.get<double>();
    constexpr double kFloatMax = std::numeric_limits<float>::max();
    logit_bias[token_id] = bias > kFloatMax    ? std::numeric_limits<float>::infinity()
                           : bias < -kFloatMax ? -std::numeric_limits<float>::infinity()
                                               : static_cast<float>(bias);
  }
  return logit_bias;
}

std::vector<int32_t> read_stop_token_ids(const Json& body, const RequestLimits& limits) {
  std::vector<int32_t> ids;
  const Json* array = read_array(body, "stop_token_ids");
  if (array == nullptr) return ids;
  for (size_t i = 0; i < array->size(); ++i) {
    const std::optional<int64_t> id = as_integer((*array)[i]);
    if (!id)
      fail("stop_token_ids[" + std::to_string(i) + "] must be an integer token id, got " +
               json_kind((*array)[i]),
           "stop_token_ids");
    ids.push_back(to_token_id(*id, limits, "stop_token_ids entry", "stop_token_ids"));
  }
  return ids;
}

// stop: a string or an array of up to 4 strings; empty strings could never match usefully and are dropped.
std::vector<std::string> read_stop(const Json& body) {
  std::vector<std::string> stop;
  const auto it = body.find("stop");
  if (it == body.end() || it->is_null()) return stop;
  if (it->is_string()) {
    if (!it->get_ref<const std::string&>().empty()) stop.push_back(it->get<std::string>());
    return stop;
  }
  if (!it->is_array()) fail(std::string("stop must be a string or an array of strings, got ") + json_kind(*it), "stop");
  if (it->size() > kMaxStopStrings)
    fail("stop accepts at most " + std::to_string(kMaxStopStrings) + " strings, got " + std::to_string(it->size()),
         "stop");
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& entry = (*it)[i];
    if (!entry.is_string())
      fail("stop[" + std::to_string(i) + "] must be a string, got " + json_kind(entry), "stop");
    if (!entry.get_ref<const std::string&>().empty()) stop.push_back(entry.get<std::string>());
  }
  return stop;
}

// seed: any integer a client may send, int64 or uint64; negative seeds wrap to uint64 (two's complement).
std::optional<uint64_t> read_seed(const Json& body) {
  const auto it = body.find("seed");
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  const std::optional<int64_t> seed = read_integer(body, "seed");
  return static_cast<uint64_t>(*seed);
}

}  // namespace

int32_t to_token_id(int64_t value, const RequestLimits& limits, const std::string& what, const char* param) {
  assert(limits.vocab_size > 0 && limits.vocab_size <= std::numeric_limits<int32_t>::max());
  if (value < 0 || value >= limits.vocab_size)
    fail(what + " " + std::to_string(value) + " is outside the vocabulary [0, " +
             std::to_string(limits.vocab_size) + ")",
         param);
  return static_cast<int32_t>(value);
}

CommonRequestFields read_common_fields(const Json& body, const RequestLimits& limits) {
  assert(body.is_object());
  assert(limits.max_n >= 1);
  CommonRequestFields out;
  out.model = read_string(body, "model").value_or("");
  out.user = read_string(body, "user").value_or("");

  SamplingParams& sampling = out.sampling;
  sampling.temperature = read_number(body, "temperature");
  sampling.top_p = read_number(body, "top_p");
  sampling.top_k = read_integer(body, "top_k");
  sampling.min_p = read_number(body, "min_p");
  sampling.repetition_penalty = read_number(body, "repetition_penalty");
  sampling.presence_penalty = read_number(body, "presence_penalty").value_or(0.0);
  sampling.frequency_penalty = read_number(body, "frequency_penalty").value_or(0.0);
  sampling.logit_bias = read_logit_bias(body, limits);
  sampling.seed = read_seed(body);
  sampling.min_tokens = read_integer(body, "min_tokens").value_or(0);
  sampling.stop_token_ids = read_stop_token_ids(body, limits);
  sampling.ignore_eos = read_bool(body, "ignore_eos").value_or(false);

  // LangChain sends max_completion_tokens, older clients max_tokens; both are read so either's type is
  // checked, and max_completion_tokens wins.
  const std::optional<int64_t> max_tokens = read_integer(body, "max_tokens");
  const std::optional<int64_t> max_completion_tokens = read_integer(body, "max_completion_tokens");
  sampling.max_tokens = max_completion_tokens ? max_completion_tokens : max_tokens;
  out.max_tokens_param = max_completion_tokens ? "max_completion_tokens" : "max_tokens";

  out.stop = read_stop(body);

  out.n = read_integer(body, "n").value_or(1);
  if (out.n < 1 || out.n > limits.max_n)
    fail("n must be in [1, " + std::to_string(limits.max_n) + "], got " + std::to_string(out.n), "n");

  out.stream = read_bool(body, "stream").value_or(false);
  if (const Json* options = read_object(body, "stream_options")) {
    if (!out.stream) fail("stream_options is only allowed when stream is true", "stream_options");
    const auto include_usage = options->find("include_usage");
    if (include_usage != options->end() && !include_usage->is_null()) {
      if (!include_usage->is_boolean())
        fail(std::string("stream_options.include_usage must be a boolean, got ") + json_kind(*include_usage),
             "stream_options");
      out.include_usage = include_usage->get<bool>();
    }
  }
  return out;
}

void check_sampling_params(const SamplingParams& sampling, const RequestLimits& limits,
                           const char* max_tokens_param) {
  std::optional<SamplingParamsError> error = sampling.validate(limits.vocab_size);
  if (!error) return;
  const std::string max_tokens = "max_tokens";
  if (error->param == max_tokens && max_tokens_param != max_tokens) {
    error->param = max_tokens_param;
    if (error->message.starts_with(max_tokens)) error->message.replace(0, max_tokens.size(), max_tokens_param);
  }
  fail(std::move(error->message), std::move(error->param));
}

}  // namespace edgeserve::openai::detail
