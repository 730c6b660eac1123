#pragma once
// ModelFiles: everything a model brings on disk, opened and validated, weights left in place (mmap):
// a GGUF file, or a Hugging Face folder (config.json, generation_config.json, tokenizer.json,
// tokenizer_config.json, *.safetensors or an index). Owns the maps the tensor views point into.
// Fails at load, naming the file, for any fault: unsupported architecture, broken weights file,
// broken tokenizer, or a chat template that does not parse. Does not map tensors to model weights.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/model_config.h"
#include "engine/tensor.h"
#include "engine/template/chat_template.h"
#include "engine/tokenizer/tokenizer.h"

namespace edgeserve {

class GgufFile;
class SafetensorsModel;

enum class ModelFormat { kGguf, kSafetensors };

class ModelFiles {
 public:
  // `path`: a .gguf file or a Hugging Face folder. Throws std::runtime_error (LoadError, ConfigError,
  // TokenizerError, TemplateSyntaxError) whose message names the file and the fault.
  static ModelFiles open(const std::string& path);

  ModelFiles(ModelFiles&&) noexcept;
  ModelFiles& operator=(ModelFiles&&) noexcept;
  ~ModelFiles();

  const std::string& path() const { return path_; }
  ModelFormat format() const { return format_; }
  std::string format_description() const;    // "GGUF v3", "safetensors (2 shards)"
  const ModelConfig& config() const { return config_; }
  const std::vector<TensorView>& tensors() const;
  const TensorView* tensor(std::string_view name) const;
  // nullptr when a Hugging Face folder ships no tokenizer.json (tiny test checkpoints).
  const Tokenizer* tokenizer() const { return tokenizer_.get(); }
  // nullptr when the model has no chat template.
  const ChatTemplate* chat_template() const { return chat_template_ ? &*chat_template_ : nullptr; }

 private:
  ModelFiles() = default;
  static ModelFiles open_gguf(const std::string& path);
  static ModelFiles open_hf_folder(const std::string& path);
  void parse_chat_template(const std::string& source, const std::string& origin);

  std::string path_;
  ModelFormat format_ = ModelFormat::kGguf;
  ModelConfig config_;
  std::unique_ptr<GgufFile> gguf_;
  std::unique_ptr<SafetensorsModel> safetensors_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::optional<ChatTemplate> chat_template_;
};

}  // namespace edgeserve
