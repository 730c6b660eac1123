#pragma once
// Typed reads of tokenizer.json / tokenizer_config.json fields that fail with the file and the JSON path
// ("tokenizer.json: model.merges[3]: expected a string, got number") instead of nlohmann's bare type errors.
#include <nlohmann/json.hpp>

#include <string>

#include "engine/tokenizer/tokenizer_error.h"

namespace edgeserve::tokenizer {

class JsonFields {
 public:
  explicit JsonFields(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& fault) const {
    throw TokenizerError(source_ + ": " + path + ": " + fault);
  }

  const nlohmann::json& object(const nlohmann::json& parent, const char* key, const std::string& path) const {
    const auto it = parent.find(key);
    if (it == parent.end()) fail(path, std::string("missing field '") + key + "'");
    if (!it->is_object()) fail(path + "." + key, std::string("expected an object, got ") + it->type_name());
    return *it;
  }

  const nlohmann::json& array(const nlohmann::json& parent, const char* key, const std::string& path) const {
    const auto it = parent.find(key);
    if (it == parent.end()) fail(path, std::string("missing field '") + key + "'");
    if (!it->is_array()) fail(path + "." + key, std::string("expected an array, got ") + it->type_name());
    return *it;
  }

  std::string string(const nlohmann::json& value, const std::string& path) const {
    if (!value.is_string()) fail(path, std::string("expected a string, got ") + value.type_name());
    return value.get<std::string>();
  }

  std::string string(const nlohmann::json& parent, const char* key, const std::string& path) const {
    const auto it = parent.find(key);
    if (it == parent.end()) fail(path, std::string("missing field '") + key + "'");
    return string(*it, path + "." + key);
  }

  // Absent or null gives `fallback`.
  bool boolean(const nlohmann::json& parent, const char* key, bool fallback, const std::string& path) const {
    const auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) fail(path + "." + key, std::string("expected a boolean, got ") + it->type_name());
    return it->get<bool>();
  }

  int32_t id(const nlohmann::json& value, const std::string& path) const {
    if (!value.is_number_integer()) fail(path, std::string("expected an integer id, got ") + value.type_name());
    const auto v = value.get<int64_t>();
    if (v < 0 || v > INT32_MAX) fail(path, "id " + std::to_string(v) + " out of range");
    return static_cast<int32_t>(v);
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

}  // namespace edgeserve::tokenizer
