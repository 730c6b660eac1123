// dequantize_row against gguf-py's gguf.quants.dequantize, bit for bit: on fixture blocks of every format
// (tests/fixtures/quant, scripts/gen_quant_fixtures.py) and on real rows read from the SmolLM2 GGUF.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "engine/backend/cpu/quant/blocks.h"
#include "engine/backend/cpu/quant/dequantize.h"
#include "engine/loader/gguf_file.h"
#include "tests/unit/quant/quant_fixtures.h"

using namespace edgeserve;
using namespace edgeserve::quant;

namespace {

// Index of the first element whose bits differ, or -1.
int64_t first_bit_mismatch(const std::vector<float>& got, const std::vector<float>& want) {
  for (size_t i = 0; i < want.size(); ++i) {
    if (test::float_bits(got[i]) != test::float_bits(want[i])) return static_cast<int64_t>(i);
  }
  return -1;
}

}  // namespace

TEST_CASE("block structs have ggml's block sizes", "[quant][blocks]") {
  // reference: engine/tensor.h dtype_info (ggml's type traits)
  CHECK(sizeof(BlockQ4_0) == dtype_info(DType::Q4_0).block_bytes);
  CHECK(sizeof(BlockQ4_1) == dtype_info(DType::Q4_1).block_bytes);
  CHECK(sizeof(BlockQ5_0) == dtype_info(DType::Q5_0).block_bytes);
  CHECK(sizeof(BlockQ5_1) == dtype_info(DType::Q5_1).block_bytes);
  CHECK(sizeof(BlockQ8_0) == dtype_info(DType::Q8_0).block_bytes);
  CHECK(sizeof(BlockQ4_K) == dtype_info(DType::Q4_K).block_bytes);
  CHECK(sizeof(BlockQ5_K) == dtype_info(DType::Q5_K).block_bytes);
  CHECK(sizeof(BlockQ6_K) == dtype_info(DType::Q6_K).block_bytes);
  CHECK(sizeof(BlockQ8_K) == dtype_info(DType::Q8_K).block_bytes);
  CHECK(kQK == static_cast<int>(dtype_info(DType::Q4_0).block_elements));
  CHECK(kQK_K == static_cast<int>(dtype_info(DType::Q4_K).block_elements));
}

TEST_CASE("dequantize_row equals gguf.quants.dequantize bit for bit on fixture blocks", "[quant][dequantize]") {
  const auto cases = test::load_quant_cases();
  std::vector<DType> seen;
  for (const auto& c : cases) {
    INFO("case " << c.name << " (" << dtype_name(c.dtype) << ", " << c.num_elements << " elements)");
    REQUIRE(can_dequantize(c.dtype));
    std::vector<float> got(static_cast<size_t>(c.num_elements), -1.0f);
    dequantize_row(c.dtype, c.blocks.data(), got.data(), c.num_elements);
    const int64_t mismatch = first_bit_mismatch(got, c.dequant);
    INFO("first mismatch at " << mismatch << ": got " << (mismatch >= 0 ? got[mismatch] : 0.0f) << " want "
                               << (mismatch >= 0 ? c.dequant[mismatch] : 0.0f));
    CHECK(mismatch == -1);
    seen.push_back(c.dtype);
  }
  // every format the task covers appears in the fixtures
  for (DType d : {DType::F16, DType::BF16, DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0,
                  DType::Q4_K, DType::Q5_K, DType::Q6_K}) {
    INFO(dtype_name(d));
    CHECK(std::find(seen.begin(), seen.end(), d) != seen.end());
  }
}

TEST_CASE("dequantize_row on real SmolLM2 rows equals gguf-py's dequantization", "[quant][dequantize][model]") {
  const std::string model = test::default_model_path();
  INFO("default model (EDGESERVE_DEFAULT_MODEL or scripts/setup.sh): '" << model << "'");
  REQUIRE(!model.empty());
  const GgufFile file = GgufFile::open(model);
  int num_real = 0;
  for (const auto& c : test::load_quant_cases()) {
    if (!c.meta.contains("tensor")) continue;
    ++num_real;
    const std::string name = c.meta.at("tensor").get<std::string>();
    INFO("tensor " << name);
    const TensorView* tensor = file.tensor(name);
    REQUIRE(tensor != nullptr);
    REQUIRE(tensor->dtype == c.dtype);
    REQUIRE(tensor->nbytes >= c.blocks.size());
    // the fixture's bytes are the model's first rows; dequantize them straight from the memory map
    CHECK(std::memcmp(tensor->data, c.blocks.data(), c.blocks.size()) == 0);
    std::vector<float> got(static_cast<size_t>(c.num_elements));
    dequantize_row(tensor->dtype, tensor->data, got.data(), c.num_elements);
    CHECK(first_bit_mismatch(got, c.dequant) == -1);
  }
  CHECK(num_real == 2);  // Q4_1 attn_q and Q8_0 token_embd
}

TEST_CASE("dequantize_row F32 copies and rejects bad input", "[quant][dequantize]") {
  const std::vector<float> src = {1.5f, -0.0f, 3e38f, 1e-45f};
  std::vector<float> dst(4);
  dequantize_row(DType::F32, src.data(), dst.data(), 4);
  CHECK(std::memcmp(src.data(), dst.data(), sizeof(float) * 4) == 0);

  std::vector<uint8_t> block(sizeof(BlockQ4_0) * 2);
  CHECK_THROWS_AS(dequantize_row(DType::Q4_0, block.data(), dst.data(), 33), std::invalid_argument);
  CHECK_THROWS_AS(dequantize_row(DType::Q2_K, block.data(), dst.data(), 256), std::invalid_argument);
  CHECK_FALSE(can_dequantize(DType::IQ2_XXS));
}
