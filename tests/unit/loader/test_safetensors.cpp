// SafetensorsFile / SafetensorsModel against the tiny HF models written by scripts/gen_tiny_models.py:
// every tensor's dtype, shape, size and byte sum compared with the script's record
// (tests/fixtures/models/tiny-*.expected.json), shapes checked against config.json with the HF layout
// ([out_features, in_features]), plus hand-built edge cases of the format spec.
#include <catch2/catch.hpp>
#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/loader/load_error.h"
#include "engine/loader/safetensors_file.h"
#include "engine/loader/safetensors_model.h"
#include "tests/unit/loader/loader_test_util.h"

using namespace edgeserve;
using nlohmann::json;

namespace {

void check_against_record(const SafetensorsModel& model, const std::string& record_name) {
  const json expected = test::read_json(test::models_fixture(record_name));
  REQUIRE(model.tensors().size() == expected.size());
  for (const auto& [name, want] : expected.items()) {
    INFO("tensor " << name);
    const TensorView* view = model.tensor(name);
    REQUIRE(view != nullptr);
    CHECK(dtype_name(view->dtype) == want["dtype"].get<std::string>());
    CHECK(view->shape == want["shape"].get<std::vector<int64_t>>());
    CHECK(view->nbytes == want["nbytes"].get<size_t>());
    CHECK(test::byte_sum(view->bytes()) == want["byte_sum"].get<uint64_t>());
  }
}

// A safetensors file image: header JSON text + data bytes.
std::vector<uint8_t> image(const std::string& header, size_t data_len) {
  std::vector<uint8_t> out(8 + header.size() + data_len, 0);
  const uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  std::memcpy(out.data() + 8, header.data(), header.size());
  for (size_t i = 0; i < data_len; ++i) out[8 + header.size() + i] = static_cast<uint8_t>(i);
  return out;
}

}  // namespace

TEST_CASE("tiny-qwen3 (BF16, single file): tensors as written, HF Qwen3 names and shapes", "[loader][safetensors]") {
  const std::string dir = test::models_fixture("tiny-qwen3");
  const SafetensorsModel model = SafetensorsModel::open(dir);
  check_against_record(model, "tiny-qwen3.expected.json");
  REQUIRE(model.shards().size() == 1);
  CHECK(model.shards()[0].metadata().at("format") == "pt");

  const json cfg = test::read_json(dir + "/config.json");
  const int64_t h = cfg["hidden_size"], hd = cfg["head_dim"], nq = cfg["num_attention_heads"], nkv = cfg["num_key_value_heads"];
  const int64_t inter = cfg["intermediate_size"], vocab = cfg["vocab_size"];
  for (int layer = 0; layer < cfg["num_hidden_layers"].get<int>(); ++layer) {
    const std::string p = "model.layers." + std::to_string(layer) + ".";
    CHECK(model.tensor(p + "self_attn.q_proj.weight")->shape == std::vector<int64_t>{nq * hd, h});
    CHECK(model.tensor(p + "self_attn.k_proj.weight")->shape == std::vector<int64_t>{nkv * hd, h});
    CHECK(model.tensor(p + "self_attn.v_proj.weight")->shape == std::vector<int64_t>{nkv * hd, h});
    CHECK(model.tensor(p + "self_attn.o_proj.weight")->shape == std::vector<int64_t>{h, nq * hd});
    CHECK(model.tensor(p + "self_attn.q_norm.weight")->shape == std::vector<int64_t>{hd});
    CHECK(model.tensor(p + "self_attn.k_norm.weight")->shape == std::vector<int64_t>{hd});
    CHECK(model.tensor(p + "mlp.gate_proj.weight")->shape == std::vector<int64_t>{inter, h});
    CHECK(model.tensor(p + "mlp.down_proj.weight")->shape == std::vector<int64_t>{h, inter});
    CHECK(model.tensor(p + "input_layernorm.weight")->dtype == DType::BF16);
  }
  CHECK(model.tensor("model.embed_tokens.weight")->shape == std::vector<int64_t>{vocab, h});
  CHECK(model.tensor("lm_head.weight") == nullptr);  // tie_word_embeddings

  // The same file opened directly and parsed from memory gives the same views (data order).
  const SafetensorsModel single = SafetensorsModel::open(dir + "/model.safetensors");
  check_against_record(single, "tiny-qwen3.expected.json");
  const auto bytes = test::read_bytes(dir + "/model.safetensors");
  const SafetensorsFile parsed = SafetensorsFile::parse(bytes, "model.safetensors");
  REQUIRE(parsed.tensors().size() == single.tensors().size());
  for (size_t i = 1; i < parsed.tensors().size(); ++i) CHECK(parsed.tensors()[i - 1].data < parsed.tensors()[i].data);
  CHECK(parsed.tensors().front().data == bytes.data() + parsed.data_offset());
}

TEST_CASE("tiny-llama-sharded (F16, 2 shards + index): merged tensors as written", "[loader][safetensors]") {
  const std::string dir = test::models_fixture("tiny-llama-sharded");
  const SafetensorsModel model = SafetensorsModel::open(dir);
  check_against_record(model, "tiny-llama-sharded.expected.json");
  CHECK(model.shards().size() == 2);
  const json index = test::read_json(dir + "/model.safetensors.index.json");
  for (const auto& [name, shard] : index["weight_map"].items()) {
    INFO(name);
    bool found = false;
    for (const auto& s : model.shards()) {
      if (s.source().ends_with(shard.get<std::string>())) found = s.tensor(name) != nullptr;
    }
    CHECK(found);
  }
  CHECK(model.tensor("lm_head.weight")->dtype == DType::F16);
  const SafetensorsModel via_index = SafetensorsModel::open(dir + "/model.safetensors.index.json");
  CHECK(via_index.tensors().size() == model.tensors().size());
}

TEST_CASE("safetensors spec edge cases: empty header, scalars, empty tensors, gaps, F64/I64", "[loader][safetensors]") {
  const auto empty = image("{}", 0);
  CHECK(SafetensorsFile::parse(empty, "empty").tensors().empty());

  const auto scalar = image(R"({"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"z":{"dtype":"I64","shape":[0,3],"data_offsets":[8,8]}})", 8);
  const SafetensorsFile f = SafetensorsFile::parse(scalar, "scalar");
  REQUIRE(f.tensors().size() == 2);
  CHECK(f.tensor("s")->dtype == DType::F64);
  CHECK(f.tensor("s")->shape.empty());
  CHECK(f.tensor("z")->nbytes == 0);

  // A gap between tensors is allowed (only overlap is an error); data order is by offset, not header order.
  const auto gap = image(R"({"b":{"dtype":"BF16","shape":[2],"data_offsets":[12,16]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 16);
  const SafetensorsFile g = SafetensorsFile::parse(gap, "gap");
  REQUIRE(g.tensors().size() == 2);
  CHECK(g.tensors()[0].name == "a");
  CHECK(g.tensors()[1].data[0] == 12);

  CHECK_THROWS_AS(SafetensorsFile::parse(image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4), "short"), LoadError);
  CHECK_THROWS_WITH(SafetensorsModel::open(test::fixtures_dir() + "/models"), Catch::Contains("no .safetensors file in this folder"));
  CHECK_THROWS_WITH(SafetensorsModel::open("/nonexistent/model.safetensors"), Catch::Contains("/nonexistent/model.safetensors"));
}
