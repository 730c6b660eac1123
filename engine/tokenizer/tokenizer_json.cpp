#include "engine/tokenizer/tokenizer_json.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/tokenizer/json_fields.h"
#include "engine/tokenizer/tokenizer_json_pipeline.h"

namespace edgeserve {
namespace {

using nlohmann::json;
using tokenizer::JsonFields;

json parse_json(std::string_view text, const std::string& source) {
  try {
    return json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw TokenizerError(source + ": invalid JSON: " + e.what());
  }
}

void parse_model(const json& root, const JsonFields& fields, tokenizer::BpeConfig& bpe) {
  const json& model = fields.object(root, "model", "<root>");
  const std::string type = model.contains("type") ? fields.string(model, "type", "model") : "BPE";
  if (type != "BPE") fields.fail("model", "unsupported model type '" + type + "' (supported: BPE)");
  if (const auto it = model.find("dropout"); it != model.end() && !it->is_null() && !(it->is_number() && *it == 0))
    fields.fail("model.dropout", "BPE dropout is not supported");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
    if (const auto it = model.find(key); it != model.end() && !it->is_null() && !(it->is_string() && it->get<std::string>().empty()))
      fields.fail(std::string("model.") + key, "not supported by a byte-level BPE tokenizer");
  if (fields.boolean(model, "byte_fallback", false, "model"))
    fields.fail("model.byte_fallback", "byte_fallback is not supported (byte-level BPE needs none)");
  bpe.ignore_merges = fields.boolean(model, "ignore_merges", false, "model");

  const json& vocab = fields.object(model, "vocab", "model");
  bpe.vocab.reserve(vocab.size());
  for (const auto& [token, id] : vocab.items()) bpe.vocab.emplace_back(token, fields.id(id, "model.vocab." + token));

  const json& merges = fields.array(model, "merges", "model");
  bpe.merges.reserve(merges.size());
  for (size_t i = 0; i < merges.size(); ++i) {
    const std::string path = "model.merges[" + std::to_string(i) + "]";
    const json& merge = merges[i];
    if (merge.is_string()) {  // "left right"
      const std::string text = merge.get<std::string>();
      const size_t space = text.find(' ');
      if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos || space == 0 ||
          space + 1 == text.size())
        fields.fail(path, "expected 'left right', got '" + text + "'");
      bpe.merges.emplace_back(text.substr(0, space), text.substr(space + 1));
    } else if (merge.is_array() && merge.size() == 2) {  // ["left", "right"]
      std::string left = fields.string(merge[0], path + "[0]");  // in order, so the first bad part is named
      std::string right = fields.string(merge[1], path + "[1]");
      bpe.merges.emplace_back(std::move(left), std::move(right));
    } else {
      fields.fail(path, std::string("expected a string or a pair of strings, got ") + merge.type_name());
    }
  }
}

void parse_added_tokens(const json& root, const JsonFields& fields, std::vector<tokenizer::AddedToken>& out) {
  const auto it = root.find("added_tokens");
  if (it == root.end() || it->is_null()) return;
  if (!it->is_array()) fields.fail("added_tokens", std::string("expected an array, got ") + it->type_name());
  for (size_t i = 0; i < it->size(); ++i) {
    const std::string path = "added_tokens[" + std::to_string(i) + "]";
    const json& node = (*it)[i];
    if (!node.is_object()) fields.fail(path, "expected an object");
    tokenizer::AddedToken token;
    if (!node.contains("id")) fields.fail(path, "missing field 'id'");
    token.id = fields.id(node["id"], path + ".id");
    token.content = fields.string(node, "content", path);
    token.special = fields.boolean(node, "special", false, path);
    token.lstrip = fields.boolean(node, "lstrip", false, path);
    token.rstrip = fields.boolean(node, "rstrip", false, path);
    token.single_word = fields.boolean(node, "single_word", false, path);
    token.normalized = fields.boolean(node, "normalized", !token.special, path);
    out.push_back(std::move(token));
  }
}

// A special-token entry of tokenizer_config.json: a string, an AddedToken object, or null.
std::optional<std::string> token_string(const json& root, const char* key, const JsonFields& fields) {
  const auto it = root.find(key);
  if (it == root.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) return fields.string(*it, "content", key);
  fields.fail(key, std::string("expected a string or an object with 'content', got ") + it->type_name());
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw TokenizerError(path.string() + ": cannot open file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw TokenizerError(path.string() + ": read error");
  return buffer.str();
}

}  // namespace

TokenizerSpec parse_tokenizer_json(std::string_view json_text, const std::string& source) {
  const json root = parse_json(json_text, source);
  JsonFields fields(source);
  if (!root.is_object()) fields.fail("<root>", std::string("expected an object, got ") + root.type_name());
  TokenizerSpec spec;
  spec.source = source;
  parse_model(root, fields, spec.bpe);
  parse_added_tokens(root, fields, spec.added_tokens);
  const json null_node;
  const auto section = [&](const char* key) -> const json& {
    const auto it = root.find(key);
    return it == root.end() ? null_node : *it;
  };
  spec.normalizer = tokenizer::parse_normalizer(section("normalizer"), fields);
  spec.pre_tokenizer = tokenizer::parse_pre_tokenizer(section("pre_tokenizer"), fields);
  tokenizer::parse_post_processor(section("post_processor"), fields, spec.prefix_ids, spec.suffix_ids);
  tokenizer::check_decoder(section("decoder"), fields);
  return spec;
}

TokenizerConfig parse_tokenizer_config(std::string_view json_text, const std::string& source) {
  const json root = parse_json(json_text, source);
  JsonFields fields(source);
  if (!root.is_object()) fields.fail("<root>", std::string("expected an object, got ") + root.type_name());
  TokenizerConfig config;
  config.bos_token = token_string(root, "bos_token", fields);
  config.eos_token = token_string(root, "eos_token", fields);
  config.pad_token = token_string(root, "pad_token", fields);
  config.unk_token = token_string(root, "unk_token", fields);
  if (root.contains("add_bos_token") && !root["add_bos_token"].is_null())
    config.add_bos_token = fields.boolean(root, "add_bos_token", false, "<root>");
  if (root.contains("add_eos_token") && !root["add_eos_token"].is_null())
    config.add_eos_token = fields.boolean(root, "add_eos_token", false, "<root>");
  if (root.contains("clean_up_tokenization_spaces") && !root["clean_up_tokenization_spaces"].is_null())
    config.clean_up_tokenization_spaces = fields.boolean(root, "clean_up_tokenization_spaces", false, "<root>");
  if (const auto it = root.find("chat_template"); it != root.end() && !it->is_null()) {
    if (it->is_string()) {
      config.chat_template = it->get<std::string>();
    } else if (it->is_array()) {
      for (size_t i = 0; i < it->size(); ++i) {
        const std::string path = "chat_template[" + std::to_string(i) + "]";
        const json& entry = (*it)[i];
        if (!entry.is_object()) fields.fail(path, "expected an object with 'name' and 'template'");
        std::string name = fields.string(entry, "name", path);
        std::string text = fields.string(entry, "template", path);
        if (name == "default") config.chat_template = text;
        config.named_chat_templates.emplace_back(std::move(name), std::move(text));
      }
    } else {
      fields.fail("chat_template", std::string("expected a string or a list, got ") + it->type_name());
    }
  }
  return config;
}

Tokenizer tokenizer_from_json(std::string_view json_text, const std::string& source, TokenizerConfig config) {
  TokenizerSpec spec = parse_tokenizer_json(json_text, source);
  // Special-token strings become ids here: a string that names no token is a fault of the config file.
  const auto resolve = [&](const std::optional<std::string>& token, const char* what) -> std::optional<int32_t> {
    if (!token) return std::nullopt;
    for (const auto& added : spec.added_tokens)
      if (added.content == *token) return added.id;
    for (const auto& [entry, id] : spec.bpe.vocab)
      if (entry == *token) return id;
    throw TokenizerError(source + ": " + what + " '" + *token + "' is not in the vocabulary");
  };
  spec.bos_id = resolve(config.bos_token, "bos_token");
  spec.eos_id = resolve(config.eos_token, "eos_token");
  spec.config = std::move(config);
  return Tokenizer(std::move(spec));
}

Tokenizer load_tokenizer(const std::string& hf_folder_or_tokenizer_json) {
  namespace fs = std::filesystem;
  fs::path json_path = hf_folder_or_tokenizer_json;
  std::error_code ec;
  if (fs::is_directory(json_path, ec)) json_path /= "tokenizer.json";
  if (!fs::exists(json_path, ec)) throw TokenizerError(json_path.string() + ": file not found");
  const std::string text = read_file(json_path);
  TokenizerConfig config;
  const fs::path config_path = json_path.parent_path() / "tokenizer_config.json";
  if (fs::exists(config_path, ec)) config = parse_tokenizer_config(read_file(config_path), config_path.string());
  return tokenizer_from_json(text, json_path.string(), std::move(config));
}

}  // namespace edgeserve
