#include "engine/tokenizer/tokenizer_json_pipeline.h"

namespace edgeserve::tokenizer {
namespace {

using nlohmann::json;

std::string type_of(const json& node, const JsonFields& fields, const std::string& path) {
  if (!node.is_object()) fields.fail(path, std::string("expected an object, got ") + node.type_name());
  return fields.string(node, "type", path);
}

void add_normalizer(const json& node, const JsonFields& fields, const std::string& path,
                    std::vector<NormalizationForm>& steps, int depth) {
  const std::string type = type_of(node, fields, path);
  if (type == "NFC") steps.push_back(NormalizationForm::kNFC);
  else if (type == "NFD") steps.push_back(NormalizationForm::kNFD);
  else if (type == "NFKC") steps.push_back(NormalizationForm::kNFKC);
  else if (type == "NFKD") steps.push_back(NormalizationForm::kNFKD);
  else if (type == "Sequence" && depth < 4) {
    const json& list = fields.array(node, "normalizers", path);
    for (size_t i = 0; i < list.size(); ++i)
      add_normalizer(list[i], fields, path + ".normalizers[" + std::to_string(i) + "]", steps, depth + 1);
  } else {
    fields.fail(path, "unsupported normalizer type '" + type + "' (supported: NFC, NFD, NFKC, NFKD, Sequence)");
  }
}

SplitBehavior parse_behavior(const json& node, const JsonFields& fields, const std::string& path) {
  const std::string name = fields.string(node, "behavior", path);
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  fields.fail(path + ".behavior", "unknown split behavior '" + name + "'");
}

void add_pre_tokenizer(const json& node, const JsonFields& fields, const std::string& path,
                       std::vector<PreTokenizerStep>& steps, int depth) {
  const std::string type = type_of(node, fields, path);
  PreTokenizerStep step;
  if (type == "Sequence" && depth < 4) {
    const json& list = fields.array(node, "pretokenizers", path);
    for (size_t i = 0; i < list.size(); ++i)
      add_pre_tokenizer(list[i], fields, path + ".pretokenizers[" + std::to_string(i) + "]", steps, depth + 1);
    return;
  }
  if (type == "Split") {
    step.kind = PreTokenizerStep::Kind::kSplit;
    const json& pattern = fields.object(node, "pattern", path);
    if (pattern.contains("Regex")) {
      step.regex.emplace_back(fields.string(pattern, "Regex", path + ".pattern"), fields.source());
    } else if (pattern.contains("String")) {
      const std::string literal = fields.string(pattern, "String", path + ".pattern");
      if (literal.empty()) fields.fail(path + ".pattern", "empty String pattern");
      step.regex.emplace_back(escape_regex_literal(literal), fields.source());
    } else {
      fields.fail(path + ".pattern", "expected 'Regex' or 'String'");
    }
    step.behavior = parse_behavior(node, fields, path);
    step.invert = fields.boolean(node, "invert", false, path);
  } else if (type == "ByteLevel") {
    step.kind = PreTokenizerStep::Kind::kByteLevel;
    step.add_prefix_space = fields.boolean(node, "add_prefix_space", true, path);
    step.use_regex = fields.boolean(node, "use_regex", true, path);
    if (step.use_regex) step.regex.emplace_back(kGpt2Pattern, fields.source());
  } else if (type == "Digits") {
    step.kind = PreTokenizerStep::Kind::kDigits;
    step.individual_digits = fields.boolean(node, "individual_digits", false, path);
  } else {
    fields.fail(path, "unsupported pre_tokenizer type '" + type + "' (supported: Sequence, Split, ByteLevel, Digits)");
  }
  steps.push_back(std::move(step));
}

// Resolves a TemplateProcessing special-token name to its ids through the "special_tokens" table.
void template_ids(const json& node, const std::string& name, const JsonFields& fields, const std::string& path,
                  std::vector<int32_t>& out) {
  const auto table = node.find("special_tokens");
  if (table == node.end() || !table->is_object() || !table->contains(name))
    fields.fail(path, "special token '" + name + "' is not in special_tokens");
  const json& entry = table->at(name);
  const std::string entry_path = path + ".special_tokens." + name;
  if (!entry.is_object()) fields.fail(entry_path, "expected an object");
  const json& ids = fields.array(entry, "ids", entry_path);
  for (size_t i = 0; i < ids.size(); ++i) out.push_back(fields.id(ids[i], entry_path + ".ids[" + std::to_string(i) + "]"));
}

void add_post_processor(const json& node, const JsonFields& fields, const std::string& path,
                        std::vector<int32_t>& prefix_ids, std::vector<int32_t>& suffix_ids, int depth) {
  const std::string type = type_of(node, fields, path);
  if (type == "ByteLevel") return;  // only adjusts offsets, which we do not produce
  if (type == "Sequence" && depth < 4) {
    const json& list = fields.array(node, "processors", path);
    for (size_t i = 0; i < list.size(); ++i)
      add_post_processor(list[i], fields, path + ".processors[" + std::to_string(i) + "]", prefix_ids, suffix_ids,
                         depth + 1);
    return;
  }
  if (type != "TemplateProcessing")
    fields.fail(path, "unsupported post_processor type '" + type + "' (supported: ByteLevel, TemplateProcessing, Sequence)");
  if (!prefix_ids.empty() || !suffix_ids.empty()) fields.fail(path, "more than one TemplateProcessing");
  const json& single = fields.array(node, "single", path);
  bool seen_sequence = false;
  for (size_t i = 0; i < single.size(); ++i) {
    const std::string item_path = path + ".single[" + std::to_string(i) + "]";
    const json& item = single[i];
    if (!item.is_object()) fields.fail(item_path, "expected an object");
    if (item.contains("Sequence")) {
      if (seen_sequence) fields.fail(item_path, "a second Sequence in the single template");
      seen_sequence = true;
    } else if (item.contains("SpecialToken")) {
      const json& special = fields.object(item, "SpecialToken", item_path);
      const std::string name = fields.string(special, "id", item_path + ".SpecialToken");
      template_ids(node, name, fields, path, seen_sequence ? suffix_ids : prefix_ids);
    } else {
      fields.fail(item_path, "expected 'Sequence' or 'SpecialToken'");
    }
  }
  if (!seen_sequence) fields.fail(path + ".single", "no Sequence in the single template");
}

}  // namespace

Normalizer parse_normalizer(const json& node, const JsonFields& fields) {
  std::vector<NormalizationForm> steps;
  if (!node.is_null()) add_normalizer(node, fields, "normalizer", steps, 0);
  return Normalizer(std::move(steps));
}

PreTokenizer parse_pre_tokenizer(const json& node, const JsonFields& fields) {
  std::vector<PreTokenizerStep> steps;
  if (!node.is_null()) add_pre_tokenizer(node, fields, "pre_tokenizer", steps, 0);
  return PreTokenizer(std::move(steps));
}

void parse_post_processor(const json& node, const JsonFields& fields, std::vector<int32_t>& prefix_ids,
                          std::vector<int32_t>& suffix_ids) {
  if (!node.is_null()) add_post_processor(node, fields, "post_processor", prefix_ids, suffix_ids, 0);
}

void check_decoder(const json& node, const JsonFields& fields) {
  if (node.is_null()) fields.fail("decoder", "missing (a byte-level BPE tokenizer needs the ByteLevel decoder)");
  std::string type = type_of(node, fields, "decoder");
  if (type == "Sequence") {
    const json& list = fields.array(node, "decoders", "decoder");
    if (list.size() != 1) fields.fail("decoder", "only a Sequence of exactly one ByteLevel decoder is supported");
    type = type_of(list[0], fields, "decoder.decoders[0]");
  }
  if (type != "ByteLevel") fields.fail("decoder", "unsupported decoder type '" + type + "' (supported: ByteLevel)");
}

}  // namespace edgeserve::tokenizer
