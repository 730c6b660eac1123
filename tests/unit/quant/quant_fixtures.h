#pragma once
// Test helper: reads tests/fixtures/quant/ (written by scripts/gen_quant_fixtures.py from gguf-py).
// A missing or short file fails the test with its path.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "tests/test_paths.h"

namespace edgeserve::test {

struct QuantCase {
  std::string name;
  DType dtype = DType::F32;
  int64_t num_elements = 0;
  std::vector<uint8_t> blocks;   // raw block bytes
  std::vector<float> dequant;    // gguf.quants.dequantize(blocks)
  std::vector<float> input;      // what gguf.quants.quantize got (empty when the bytes are not from it)
  nlohmann::json meta;
};

inline std::string quant_fixture_dir() { return fixtures_dir() + "/quant"; }

inline std::vector<uint8_t> read_fixture_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  INFO("fixture file: " << path << " (regenerate with scripts/gen_quant_fixtures.py)");
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::vector<float> read_fixture_floats(const std::string& path, int64_t count) {
  const auto bytes = read_fixture_bytes(path);
  INFO(path);
  REQUIRE(bytes.size() == static_cast<size_t>(count) * sizeof(float));
  std::vector<float> out(static_cast<size_t>(count));
  std::memcpy(out.data(), bytes.data(), bytes.size());
  return out;
}

inline std::vector<QuantCase> load_quant_cases() {
  const auto index_bytes = read_fixture_bytes(quant_fixture_dir() + "/index.json");
  const auto index = nlohmann::json::parse(index_bytes.begin(), index_bytes.end());
  std::vector<QuantCase> cases;
  for (const auto& entry : index.at("cases")) {
    QuantCase c;
    c.name = entry.at("name").get<std::string>();
    const auto dtype = dtype_from_name(entry.at("dtype").get<std::string>());
    INFO("case " << c.name);
    REQUIRE(dtype.has_value());
    c.dtype = *dtype;
    c.num_elements = entry.at("num_elements").get<int64_t>();
    const std::string base = quant_fixture_dir() + "/" + c.name;
    c.blocks = read_fixture_bytes(base + ".blocks.bin");
    REQUIRE(c.blocks.size() == row_nbytes(c.dtype, c.num_elements));
    c.dequant = read_fixture_floats(base + ".dequant.bin", c.num_elements);
    if (entry.at("has_input").get<bool>()) c.input = read_fixture_floats(base + ".input.bin", c.num_elements);
    c.meta = entry;
    cases.push_back(std::move(c));
  }
  REQUIRE(cases.size() >= 12);
  return cases;
}

inline uint32_t float_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

}  // namespace edgeserve::test
