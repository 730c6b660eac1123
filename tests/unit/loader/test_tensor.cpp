// DType facts and byte-size arithmetic. Reference: gguf-py's GGML_QUANT_SIZES (dumped by
// scripts/gen_tiny_models.py into tests/fixtures/models/ggml-types.expected.json) and hand-computed sizes.
#include <catch2/catch.hpp>
#include <limits>
#include <set>

#include "engine/tensor.h"
#include "tests/unit/loader/loader_test_util.h"

using namespace edgeserve;

TEST_CASE("DType table matches gguf-py GGML_QUANT_SIZES", "[loader][tensor]") {
  const auto types = test::read_json(test::models_fixture("ggml-types.expected.json"));
  // Types newer than edgeserve's table: they must be rejected as "unsupported tensor type N", not mis-sized.
  const std::set<std::string> newer = {"NVFP4", "Q1_0"};
  size_t matched = 0;
  for (const auto& [name, facts] : types.items()) {
    const auto id = facts["id"].get<uint32_t>();
    const auto dtype = dtype_from_ggml_type(id);
    if (newer.count(name) != 0) {
      CHECK_FALSE(dtype.has_value());
      continue;
    }
    INFO(name);
    REQUIRE(dtype.has_value());
    const DTypeInfo& info = dtype_info(*dtype);
    CHECK(info.name == name);
    CHECK(info.ggml_type_id == id);
    CHECK(info.block_elements == facts["block_elements"].get<size_t>());
    CHECK(info.block_bytes == facts["block_bytes"].get<size_t>());
    CHECK(dtype_from_name(name) == dtype);
    ++matched;
  }
  CHECK(matched == 32);  // every DType in the enum was found in gguf-py's table
  CHECK_FALSE(dtype_from_ggml_type(4).has_value());   // removed Q4_2
  CHECK_FALSE(dtype_from_ggml_type(31).has_value());  // removed Q4_0_4_4
  CHECK_FALSE(dtype_from_name("Q9_9").has_value());
}

TEST_CASE("row and tensor byte sizes, including the block-multiple and overflow errors", "[loader][tensor]") {
  CHECK(row_nbytes(DType::F32, 7) == 28);
  CHECK(row_nbytes(DType::BF16, 4096) == 8192);
  CHECK(row_nbytes(DType::Q8_0, 4096) == 4096 / 32 * 34);
  CHECK(row_nbytes(DType::Q4_K, 4096) == 16 * 144);
  CHECK(row_nbytes(DType::Q6_K, 256) == 210);
  CHECK_THROWS_WITH(row_nbytes(DType::Q4_0, 40), Catch::Contains("not a multiple of the Q4_0 block size 32"));
  CHECK_THROWS_WITH(row_nbytes(DType::Q5_K, 128), Catch::Contains("block size 256"));

  const std::vector<int64_t> shape = {32000, 4096};
  CHECK(tensor_nbytes(DType::Q4_1, shape) == size_t{32000} * 128 * 20);
  CHECK(tensor_nbytes(DType::F16, std::vector<int64_t>{}) == 2);  // scalar
  CHECK(tensor_nbytes(DType::F32, std::vector<int64_t>{3, 0, 5}) == 0);
  const int64_t big = int64_t{1} << 40;
  CHECK_THROWS_WITH(tensor_nbytes(DType::F32, std::vector<int64_t>{big, big}), Catch::Contains("overflows"));
  CHECK_THROWS_WITH(tensor_nbytes(DType::F32, std::vector<int64_t>{int64_t{1} << 31, int64_t{1} << 31}), Catch::Contains("overflows"));
  CHECK_THROWS_WITH(tensor_nbytes(DType::F32, std::vector<int64_t>{-1, 4}), Catch::Contains("negative"));
  CHECK(num_elements(std::vector<int64_t>{2, 3, 4}) == 24);
  CHECK(shape_to_string(shape) == "[32000, 4096]");
}
