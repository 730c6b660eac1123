// SafetensorsModel: folder / index / single-file resolution, shard loading and the cross-shard checks.
#include "engine/loader/safetensors_model.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "engine/loader/load_error.h"

namespace edgeserve {
namespace fs = std::filesystem;

const TensorView* SafetensorsModel::tensor(std::string_view name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

void SafetensorsModel::add_shard(SafetensorsFile shard) {
  for (const TensorView& view : shard.tensors()) {
    if (tensor(view.name) != nullptr) {
      // Find which shard holds the first copy, for the message.
      std::string first_shard;
      for (const auto& s : shards_) {
        if (s.tensor(view.name) != nullptr) first_shard = s.source();
      }
      throw_load_error(shard.source(), "tensor " + quote_name(view.name) + " is also in shard " + first_shard);
    }
    tensor_index_.emplace(view.name, tensors_.size());
    tensors_.push_back(view);
  }
  shards_.push_back(std::move(shard));
}

SafetensorsModel SafetensorsModel::open(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    const fs::path index = fs::path(path) / kIndexFileName;
    if (fs::exists(index, ec)) {
      SafetensorsModel model = open_index(index.string());
      model.source_ = path;
      return model;
    }
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      if (entry.is_regular_file() && entry.path().extension() == ".safetensors") files.push_back(entry.path().string());
    }
    if (ec) throw_load_error(path, "cannot list folder: " + ec.message());
    if (files.empty()) throw_load_error(path, "no " + std::string(kIndexFileName) + " and no .safetensors file in this folder");
    std::sort(files.begin(), files.end());
    SafetensorsModel model;
    model.source_ = path;
    for (const auto& file : files) model.add_shard(SafetensorsFile::open(file));
    return model;
  }
  if (path.ends_with(".json")) {
    SafetensorsModel model = open_index(path);
    model.source_ = path;
    return model;
  }
  SafetensorsModel model;
  model.source_ = path;
  model.add_shard(SafetensorsFile::open(path));
  return model;
}

SafetensorsModel SafetensorsModel::open_index(const std::string& index_path) {
  std::ifstream in(index_path, std::ios::binary);
  if (!in) throw_load_error(index_path, "cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json index;
  try {
    index = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception& e) {
    throw_load_error(index_path, std::string("not valid JSON: ") + e.what());
  }
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    throw_load_error(index_path, "no \"weight_map\" object");
  }
  const nlohmann::json& weight_map = index["weight_map"];
  if (weight_map.empty()) throw_load_error(index_path, "\"weight_map\" is empty");

  // Shards in first-mention order of the sorted weight_map (stable across runs).
  std::vector<std::string> shard_names;
  std::set<std::string> seen;
  for (const auto& [tensor_name, shard] : weight_map.items()) {
    if (!shard.is_string()) throw_load_error(index_path, "weight_map entry " + quote_name(tensor_name) + " is not a string");
    const auto& file = shard.get_ref<const std::string&>();
    const fs::path rel(file);
    if (file.empty() || rel.is_absolute() || std::any_of(rel.begin(), rel.end(), [](const fs::path& p) { return p == ".."; })) {
      throw_load_error(index_path, "weight_map entry " + quote_name(tensor_name) + ": shard path " + quote_name(file) + " leaves the model folder");
    }
    if (seen.insert(file).second) shard_names.push_back(file);
  }

  SafetensorsModel model;
  const fs::path folder = fs::path(index_path).parent_path();
  for (const auto& name : shard_names) {
    const std::string shard_path = (folder / name).string();
    std::error_code ec;
    if (!fs::is_regular_file(shard_path, ec)) {
      throw_load_error(index_path, "shard " + quote_name(name) + " named in weight_map is missing (" + shard_path + ")");
    }
    model.add_shard(SafetensorsFile::open(shard_path));
  }
  for (const auto& [tensor_name, shard] : weight_map.items()) {
    const std::string shard_path = (folder / shard.get<std::string>()).string();
    const auto it = std::find_if(model.shards_.begin(), model.shards_.end(), [&](const SafetensorsFile& s) { return s.source() == shard_path; });
    if (it == model.shards_.end() || it->tensor(tensor_name) == nullptr) {
      throw_load_error(index_path, "weight_map puts tensor " + quote_name(tensor_name) + " in shard " + quote_name(shard.get<std::string>()) +
                                       ", which has no such tensor");
    }
  }
  return model;
}

}  // namespace edgeserve
