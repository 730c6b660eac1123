#pragma once
// Helpers shared by the loader tests: read a fixture file (failing the test with a clear message when it
// is missing) and sum bytes the way scripts/gen_tiny_models.py records "byte_sum".
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/test_paths.h"

namespace edgeserve::test {

inline std::string models_fixture(const std::string& name) { return fixtures_dir() + "/models/" + name; }

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing test file " + path + " (run scripts/gen_tiny_models.py / gen_malformed_corpus.py)");
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline nlohmann::json read_json(const std::string& path) {
  const auto bytes = read_bytes(path);
  return nlohmann::json::parse(bytes.begin(), bytes.end());
}

inline uint64_t byte_sum(std::span<const uint8_t> bytes) {
  uint64_t sum = 0;
  for (uint8_t b : bytes) sum += b;
  return sum;
}

}  // namespace edgeserve::test
