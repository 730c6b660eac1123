#pragma once
// SafetensorsModel: the weights of a Hugging Face checkpoint, from one .safetensors file or from shards
// listed by model.safetensors.index.json ({"weight_map": {tensor: shard file}}). Owns every shard's map
// and exposes all tensors by name. Cross-shard checks: a tensor name in two shards, an index entry whose
// shard is missing or lacks that tensor, and a shard path escaping the folder are errors (LoadError).
// Does not read config.json nor map tensors to model weights.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/loader/safetensors_file.h"
#include "engine/tensor.h"

namespace edgeserve {

class SafetensorsModel {
 public:
  static constexpr std::string_view kIndexFileName = "model.safetensors.index.json";

  // `path` is a folder (its index if present, else every *.safetensors in it, sorted by name), an
  // index .json file, or a single .safetensors file. Throws LoadError naming the file and the fault.
  static SafetensorsModel open(const std::string& path);

  SafetensorsModel(SafetensorsModel&&) noexcept = default;
  SafetensorsModel& operator=(SafetensorsModel&&) noexcept = default;

  const std::string& source() const { return source_; }  // the path given to open()
  const std::vector<SafetensorsFile>& shards() const { return shards_; }
  // All tensors: shard order, data order within a shard.
  const std::vector<TensorView>& tensors() const { return tensors_; }
  const TensorView* tensor(std::string_view name) const;  // nullptr when absent

 private:
  SafetensorsModel() = default;
  void add_shard(SafetensorsFile shard);
  static SafetensorsModel open_index(const std::string& index_path);

  std::string source_;
  std::vector<SafetensorsFile> shards_;
  std::vector<TensorView> tensors_;
  std::map<std::string, size_t, std::less<>> tensor_index_;
};

}  // namespace edgeserve
