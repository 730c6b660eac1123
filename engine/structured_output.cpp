#include "engine/structured_output.h"

#include <cassert>

namespace edgeserve {

StructuredOutput::StructuredOutput(StructuredOutputSpec spec)
    : spec_(std::move(spec)),
      matcher_(spec_.grammar, spec_.index, spec_.stop_token_ids, spec_.cache),
      phase_(Phase::kFree) {
  if (spec_.wait_for_token)
    phase_ = Phase::kWaiting;
  else if (!spec_.trigger_token)
    enter_constrained();
}

void StructuredOutput::enter_constrained() {
  forced_pos_ = 0;
  matcher_.reset();
  phase_ = spec_.prefix_tokens.empty() ? Phase::kGrammar : Phase::kPrefix;
}

void StructuredOutput::prepare(sampler::TokenBitmask& mask, sampler::SamplerHooks& hooks) {
  switch (phase_) {
    case Phase::kWaiting:
    case Phase::kFree:
    case Phase::kDone:
      return;
    case Phase::kPrefix:
      hooks.forced_token_id = spec_.prefix_tokens[forced_pos_];
      return;
    case Phase::kSuffix:
      hooks.forced_token_id = spec_.suffix_tokens[forced_pos_];
      return;
    case Phase::kStop:
      if (!spec_.stop_token_ids.empty()) hooks.forced_token_id = spec_.stop_token_ids.front();
      return;
    case Phase::kGrammar:
      matcher_.fill_next_token_bitmask(mask);
      hooks.allowed_tokens = &mask;
      return;
  }
}

void StructuredOutput::observe(int32_t token_id) {
  switch (phase_) {
    case Phase::kWaiting:
      if (token_id == *spec_.wait_for_token) {
        phase_ = Phase::kFree;
        if (!spec_.trigger_token) enter_constrained();
      }
      return;
    case Phase::kFree:
      if (spec_.trigger_token && token_id == *spec_.trigger_token) enter_constrained();
      return;
    case Phase::kPrefix:
      if (++forced_pos_ == spec_.prefix_tokens.size()) phase_ = Phase::kGrammar;
      return;
    case Phase::kGrammar: {
      const bool accepted = matcher_.accept_token(token_id);
      assert(accepted);   // the mask allowed it
      (void)accepted;
      // A complete document goes on to the suffix; without one the matcher lets a stop token end it.
      if (matcher_.can_terminate() && !spec_.suffix_tokens.empty()) {
        phase_ = Phase::kSuffix;
        forced_pos_ = 0;
      } else if (matcher_.is_terminated()) {
        phase_ = Phase::kDone;
      }
      return;
    }
    case Phase::kSuffix:
      if (++forced_pos_ == spec_.suffix_tokens.size()) phase_ = spec_.stop_after ? Phase::kStop : Phase::kFree;
      return;
    case Phase::kStop:
    case Phase::kDone:
      phase_ = Phase::kDone;
      return;
  }
}

}  // namespace edgeserve
