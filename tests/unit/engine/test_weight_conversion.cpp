// --dtype at load against two references: the bytes of quant's gguf-py-exact quantizers applied to the
// checkpoint's rows, and transformers' float32 logits (tests/fixtures/golden) within each format's tolerance.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>

#include "engine/backend/cpu/cpu_backend.h"
#include "engine/backend/cpu/quant/quantize.h"
#include "engine/model/weight_conversion.h"
#include "engine/sequence_runner.h"
#include "tests/test_paths.h"

using namespace edgeserve;

namespace {

const std::string kModel = "qwen3-tied";

// The last prompt of the fixture (37 tokens) and transformers' logits after its last token.
void golden_last(std::vector<int32_t>& ids, std::vector<float>& logits) {
  std::ifstream in(test::fixtures_dir() + "/golden/" + kModel + "/logits.json");
  REQUIRE(in.good());
  const auto j = nlohmann::json::parse(in);
  const auto& c = j.at("cases").back();
  ids = c.at("input_ids").get<std::vector<int32_t>>();
  logits = c.at("logits").back().get<std::vector<float>>();
}

double relative_error(std::span<const float> ours, const std::vector<float>& golden) {
  double diff = 0, ref = 0;
  for (size_t i = 0; i < golden.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(ours[i]) - golden[i]));
    ref = std::max(ref, std::abs(static_cast<double>(golden[i])));
  }
  return diff / ref;
}

}  // namespace

TEST_CASE("weight conversion: bytes equal the reference quantizer, tied stays tied", "[engine][dtype]") {
  ModelFiles files = ModelFiles::open(test::fixtures_dir() + "/golden/" + kModel);
  ModelWeights w = map_model_weights(files);
  const TensorView* original_q = w.layers[0].q_proj;
  ConvertedWeights converted;
  // embedding (tied lm_head) + 7 matrices x 2 layers
  CHECK(converted.convert(w, DType::Q4_0) == 1 + 7 * 2);
  CHECK(w.lm_head == w.embed_tokens);
  CHECK(w.layers[0].q_proj->dtype == DType::Q4_0);
  CHECK(w.layers[0].q_norm->dtype == DType::F32);  // norms are not matrices
  const int64_t cols = original_q->shape[1];
  std::vector<uint8_t> expected(row_nbytes(DType::Q4_0, cols));
  quant::quantize_row(DType::Q4_0, reinterpret_cast<const float*>(original_q->data), expected.data(), cols);  // F32 file
  CHECK(std::memcmp(w.layers[0].q_proj->data, expected.data(), expected.size()) == 0);
  CHECK(converted.convert(w, DType::Q8_0) == 0);  // already converted: block formats stay as they are
}

TEST_CASE("weight conversion: logits stay close to transformers' in each format", "[engine][dtype]") {
  std::vector<int32_t> ids;
  std::vector<float> golden;
  golden_last(ids, golden);
  const std::pair<DType, double> cases[] = {{DType::BF16, 1e-2}, {DType::F16, 1e-3}, {DType::Q8_0, 2e-2}};
  for (const auto& [dtype, tolerance] : cases) {
    INFO(dtype_name(dtype));
    ModelFiles files = ModelFiles::open(test::fixtures_dir() + "/golden/" + kModel);
    ModelWeights w = map_model_weights(files);
    ConvertedWeights converted;
    converted.convert(w, dtype);
    cpu::CpuBackend backend(2);
    SequenceRunner runner(files.config(), w, backend, 64, 64, DType::F32);
    const double error = relative_error(runner.append(ids), golden);
    WARN(dtype_name(dtype) << ": max |logit error| / max |logit| = " << error);
    CHECK(error < tolerance);
  }
}

TEST_CASE("weight conversion: --dtype names", "[engine][dtype]") {
  CHECK_FALSE(parse_weight_dtype("auto").has_value());
  CHECK(parse_weight_dtype("q8_0") == DType::Q8_0);
  CHECK(parse_weight_dtype("bf16") == DType::BF16);
  CHECK_THROWS_WITH(parse_weight_dtype("int3"), Catch::Contains("int3"));
}
