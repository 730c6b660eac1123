#pragma once
// Shared by the tokenizer tests: where the golden fixtures and the real tokenizers are, and reading them.
// A missing external file fails the test with its path (never a silent pass).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/test_paths.h"

namespace edgeserve::test {

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  INFO("file: " << path);
  REQUIRE(in.good());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// tests/fixtures/tokenizer/<name>.json written by scripts/gen_tokenizer_golden.py.
inline nlohmann::json load_golden(const std::string& name) {
  const std::string path = fixtures_dir() + "/tokenizer/" + name + ".json";
  INFO("golden fixture missing, run scripts/gen_tokenizer_golden.py: " << path);
  REQUIRE(std::filesystem::exists(path));
  auto golden = nlohmann::json::parse(read_text_file(path));
  REQUIRE(golden.at("cases").size() > 0);
  return golden;
}

// ../shared/models/<folder>/tokenizer.json (EDGESERVE_SHARED_DIR overrides ../shared).
inline std::string shared_tokenizer_folder(const std::string& folder) {
  const std::string path = shared_dir() + "/models/" + folder;
  INFO("real tokenizer missing (set EDGESERVE_SHARED_DIR): " << path << "/tokenizer.json");
  REQUIRE(std::filesystem::exists(path + "/tokenizer.json"));
  return path;
}

inline std::vector<int32_t> ids_of(const nlohmann::json& array) { return array.get<std::vector<int32_t>>(); }

// FNV-1a 64 of the ids, each as 4 little-endian bytes (the hash gen_tokenizer_golden.py records).
inline std::string ids_fnv1a64(const std::vector<int32_t>& ids) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const int32_t id : ids) {
    for (int i = 0; i < 4; ++i) {
      h ^= (static_cast<uint32_t>(id) >> (8 * i)) & 0xFF;
      h *= 0x100000001b3ull;
    }
  }
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(h));
  return text;
}

// The golden file's long generated inputs ("stress": unit * repeat + suffix): id count and hash.
template <typename Encode>
void check_stress(const nlohmann::json& golden, Encode encode) {
  REQUIRE(golden.contains("stress"));
  for (const auto& s : golden.at("stress")) {
    std::string text;
    const std::string unit = s.at("unit").get<std::string>();
    for (int i = 0; i < s.at("repeat").get<int>(); ++i) text += unit;
    text += s.at("suffix").get<std::string>();
    INFO("stress: '" << unit << "' x " << s.at("repeat").get<int>() << " + '" << s.at("suffix").get<std::string>() << "'");
    const std::vector<int32_t> ids = encode(text);
    CHECK(ids.size() == s.at("num_ids").get<size_t>());
    CHECK(ids_fnv1a64(ids) == s.at("ids_fnv1a64").get<std::string>());
  }
}

}  // namespace edgeserve::test
