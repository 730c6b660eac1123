// SamplingParams validation and resolution against the model's generation defaults (es_scheduler;
// it needs only config/).
#include "scheduler/sampling_params.h"

#include <cmath>
#include <sstream>

namespace edgeserve {

namespace {

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

SamplingParamsError range_error(const char* param, const char* range, double value) {
  return {param, std::string(param) + " must be " + range + ", got " + format_number(value)};
}

}  // namespace

std::optional<SamplingParamsError> SamplingParams::validate(int64_t vocab_size) const {
  // Written as !(in range) so that NaN is rejected too.
  if (temperature && !(*temperature >= 0.0 && *temperature <= 2.0))
    return range_error("temperature", "in [0, 2]", *temperature);
  if (top_p && !(*top_p > 0.0 && *top_p <= 1.0)) return range_error("top_p", "in (0, 1]", *top_p);
  if (top_k && *top_k < -1)
    return range_error("top_k", "-1 or 0 (disabled) or at least 1", static_cast<double>(*top_k));
  if (min_p && !(*min_p >= 0.0 && *min_p <= 1.0)) return range_error("min_p", "in [0, 1]", *min_p);
  if (repetition_penalty && !(*repetition_penalty > 0.0 && std::isfinite(*repetition_penalty)))
    return range_error("repetition_penalty", "a finite number > 0", *repetition_penalty);
  if (!(presence_penalty >= -2.0 && presence_penalty <= 2.0))
    return range_error("presence_penalty", "in [-2, 2]", presence_penalty);
  if (!(frequency_penalty >= -2.0 && frequency_penalty <= 2.0))
    return range_error("frequency_penalty", "in [-2, 2]", frequency_penalty);
  for (const auto& [token_id, bias] : logit_bias) {
    if (token_id < 0 || token_id >= vocab_size)
      return SamplingParamsError{"logit_bias", "logit_bias token id " + std::to_string(token_id) +
                                                   " is outside the vocabulary [0, " +
                                                   std::to_string(vocab_size) + ")"};
    if (!(bias >= -100.0f && bias <= 100.0f))
      return SamplingParamsError{"logit_bias", "logit_bias for token " + std::to_string(token_id) +
                                                   " must be in [-100, 100], got " + format_number(bias)};
  }
  if (top_logprobs < 0 || top_logprobs > kMaxTopLogprobs)
    return range_error("top_logprobs", "in [0, 20]", top_logprobs);
  if (top_logprobs > 0 && !logprobs)
    return SamplingParamsError{"top_logprobs", "top_logprobs needs logprobs set to true"};
  if (max_tokens && *max_tokens < 1)
    return range_error("max_tokens", "at least 1", static_cast<double>(*max_tokens));
  if (min_tokens < 0) return range_error("min_tokens", "at least 0", static_cast<double>(min_tokens));
  if (max_tokens && min_tokens > *max_tokens)
    return SamplingParamsError{"min_tokens", "min_tokens (" + std::to_string(min_tokens) +
                                                 ") must not exceed max_tokens (" +
                                                 std::to_string(*max_tokens) + ")"};
  for (int32_t token_id : stop_token_ids)
    if (token_id < 0 || token_id >= vocab_size)
      return SamplingParamsError{"stop_token_ids", "stop_token_ids entry " + std::to_string(token_id) +
                                                       " is outside the vocabulary [0, " +
                                                       std::to_string(vocab_size) + ")"};
  return std::nullopt;
}

SamplingParams SamplingParams::resolved(const GenerationDefaults& defaults,
                                        std::span<const int32_t> eos_token_ids) const {
  SamplingParams out = *this;
  out.temperature = temperature ? temperature : defaults.temperature ? defaults.temperature : 1.0;
  out.top_p = top_p ? top_p : defaults.top_p ? defaults.top_p : 1.0;
  out.top_k = top_k ? top_k : defaults.top_k ? defaults.top_k : int64_t{0};
  out.min_p = min_p ? min_p : defaults.min_p ? defaults.min_p : 0.0;
  out.repetition_penalty =
      repetition_penalty ? repetition_penalty : defaults.repetition_penalty ? defaults.repetition_penalty : 1.0;
  if (*out.top_k < 0) out.top_k = 0;  // -1 and 0 both mean off; keep one spelling past this point

  out.all_stop_token_ids = stop_token_ids;
  if (!ignore_eos) {
    for (int32_t id : eos_token_ids) {
      bool known = false;
      for (int32_t existing : out.all_stop_token_ids) known = known || existing == id;
      if (!known) out.all_stop_token_ids.push_back(id);
    }
  }
  return out;
}

}  // namespace edgeserve
