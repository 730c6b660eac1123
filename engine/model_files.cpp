#include "engine/model_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "engine/loader/gguf_file.h"
#include "engine/loader/load_error.h"
#include "engine/loader/safetensors_model.h"
#include "engine/tokenizer/gguf_tokenizer.h"
#include "engine/tokenizer/tokenizer_json.h"

namespace edgeserve {
namespace {

namespace fs = std::filesystem;

// GGUF arrays longer than this (the vocabulary, merges) stay out of the JSON the config layer reads.
constexpr size_t kMaxMetadataArray = 64;

nlohmann::json read_json_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw LoadError(path.string() + ": cannot open");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw LoadError(path.string() + ": invalid JSON: " + e.what());
  }
}

}  // namespace

ModelFiles::ModelFiles(ModelFiles&&) noexcept = default;
ModelFiles& ModelFiles::operator=(ModelFiles&&) noexcept = default;
ModelFiles::~ModelFiles() = default;

ModelFiles ModelFiles::open(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return open_hf_folder(path);
  if (!fs::exists(path, ec)) throw LoadError(path + ": no such file or folder");
  return open_gguf(path);
}

ModelFiles ModelFiles::open_gguf(const std::string& path) {
  ModelFiles m;
  m.path_ = path;
  m.format_ = ModelFormat::kGguf;
  m.gguf_ = std::make_unique<GgufFile>(GgufFile::open(path));
  const GgufFile& g = *m.gguf_;
  std::optional<int64_t> vocab_size;
  if (const auto* tokens = g.get_string_array("tokenizer.ggml.tokens")) vocab_size = static_cast<int64_t>(tokens->size());
  m.config_ = ModelConfig::from_gguf_metadata(g.metadata_json(kMaxMetadataArray), vocab_size,
                                              g.tensor("output.weight") != nullptr, path);
  if (g.get_string("tokenizer.ggml.model")) m.tokenizer_ = std::make_unique<Tokenizer>(load_from_gguf(g));
  if (auto tmpl = g.get_string("tokenizer.chat_template"); tmpl && !tmpl->empty())
    m.parse_chat_template(*tmpl, path + ": tokenizer.chat_template");
  return m;
}

ModelFiles ModelFiles::open_hf_folder(const std::string& path) {
  ModelFiles m;
  m.path_ = path;
  m.format_ = ModelFormat::kSafetensors;
  const fs::path dir(path);
  if (!fs::exists(dir / "config.json")) throw LoadError(path + ": not a model folder: config.json is missing");
  m.config_ = ModelConfig::from_hf_config(read_json_file(dir / "config.json"), (dir / "config.json").string());
  if (fs::exists(dir / "generation_config.json"))
    m.config_.apply_generation_config(read_json_file(dir / "generation_config.json"),
                                      (dir / "generation_config.json").string());
  m.safetensors_ = std::make_unique<SafetensorsModel>(SafetensorsModel::open(path));
  if (fs::exists(dir / "tokenizer.json")) {
    m.tokenizer_ = std::make_unique<Tokenizer>(load_tokenizer(path));
    if (const std::string& tmpl = m.tokenizer_->config().chat_template; !tmpl.empty())
      m.parse_chat_template(tmpl, (dir / "tokenizer_config.json").string() + ": chat_template");
  }
  if (m.tokenizer_ && m.tokenizer_->vocab_size() > m.config_.vocab_size)
    throw LoadError(path + ": tokenizer has " + std::to_string(m.tokenizer_->vocab_size()) +
                    " tokens but the model's vocab_size is " + std::to_string(m.config_.vocab_size));
  // Newer checkpoints ship the template as its own file.
  if (!m.chat_template_ && fs::exists(dir / "chat_template.jinja")) {
    std::ifstream in(dir / "chat_template.jinja", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    m.parse_chat_template(text.str(), (dir / "chat_template.jinja").string());
  }
  return m;
}

void ModelFiles::parse_chat_template(const std::string& source, const std::string& origin) {
  chat_template_.emplace(ChatTemplate::parse(source, origin));
}

std::string ModelFiles::format_description() const {
  if (format_ == ModelFormat::kGguf) return "GGUF v" + std::to_string(gguf_->version());
  const size_t n = safetensors_->shards().size();
  return "safetensors (" + std::to_string(n) + (n == 1 ? " file)" : " shards)");
}

const std::vector<TensorView>& ModelFiles::tensors() const {
  return format_ == ModelFormat::kGguf ? gguf_->tensors() : safetensors_->tensors();
}

const TensorView* ModelFiles::tensor(std::string_view name) const {
  return format_ == ModelFormat::kGguf ? gguf_->tensor(name) : safetensors_->tensor(name);
}

}  // namespace edgeserve
