#pragma once
// Parsers for the pipeline sections of tokenizer.json (normalizer, pre_tokenizer, post_processor, decoder).
// Each accepts exactly the configurations byte-level BPE tokenizers use and rejects anything else with an
// error naming the file and the component, so an unsupported tokenizer never encodes silently wrong.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

#include "engine/tokenizer/json_fields.h"
#include "engine/tokenizer/normalizer.h"
#include "engine/tokenizer/pre_tokenizer.h"

namespace edgeserve::tokenizer {

Normalizer parse_normalizer(const nlohmann::json& node, const JsonFields& fields);
PreTokenizer parse_pre_tokenizer(const nlohmann::json& node, const JsonFields& fields);
// Fills the ids added before / after the text when add_special_tokens is asked.
void parse_post_processor(const nlohmann::json& node, const JsonFields& fields, std::vector<int32_t>& prefix_ids,
                          std::vector<int32_t>& suffix_ids);
// Only the ByteLevel decoder (alone or as the single member of a Sequence) is accepted.
void check_decoder(const nlohmann::json& node, const JsonFields& fields);

}  // namespace edgeserve::tokenizer
