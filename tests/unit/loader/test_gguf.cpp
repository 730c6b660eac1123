// GgufFile against the tiny GGUF written by gguf-py (scripts/gen_tiny_models.py): every metadata value and
// tensor compared with tests/fixtures/models/tiny-gguf.expected.json, which records what the script wrote.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "engine/loader/gguf_file.h"
#include "engine/loader/load_error.h"
#include "tests/unit/loader/loader_test_util.h"

using namespace edgeserve;
using nlohmann::json;

namespace {

// Compares one GgufValue with its expectation {"type", "value", ["element_type"]}.
void check_value(const GgufValue& value, const std::string& type, const json& want) {
  CHECK(gguf_type_name(value.type) == type);
  if (type == "string") {
    CHECK(std::get<std::string>(value.data) == want.get<std::string>());
  } else if (type == "bool") {
    CHECK(std::get<bool>(value.data) == want.get<bool>());
  } else if (type == "float32" || type == "float64") {
    CHECK(std::get<double>(value.data) == want.get<double>());
  } else if (type.starts_with("uint")) {
    CHECK(std::get<uint64_t>(value.data) == want.get<uint64_t>());
  } else if (type.starts_with("int")) {
    CHECK(std::get<int64_t>(value.data) == want.get<int64_t>());
  } else {
    REQUIRE(type == "array");
    const auto& array = std::get<GgufArray>(value.data);
    REQUIRE(array.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      const json& w = want[i];
      switch (array.element_type) {
        case GgufType::STRING: CHECK(array.strings[i] == w.get<std::string>()); break;
        case GgufType::BOOL: CHECK(array.uints[i] == (w.get<bool>() ? 1u : 0u)); break;
        case GgufType::FLOAT32: case GgufType::FLOAT64: CHECK(array.floats[i] == w.get<double>()); break;
        case GgufType::ARRAY: check_value(array.arrays[i], "array", w); break;
        default:
          if (is_signed_integer(array.element_type)) CHECK(array.ints[i] == w.get<int64_t>());
          else CHECK(array.uints[i] == w.get<uint64_t>());
      }
    }
  }
}

void check_tiny_gguf(const GgufFile& file, uint32_t version, const uint8_t* base) {
  const json expected = test::read_json(test::models_fixture("tiny-gguf.expected.json"));
  CHECK(file.version() == version);
  CHECK(file.alignment() == expected["alignment"].get<size_t>());
  CHECK(file.data_offset() % file.alignment() == 0);

  REQUIRE(file.metadata().size() == expected["metadata"].size());
  for (const auto& kv : file.metadata()) {
    INFO("key " << kv.key);
    REQUIRE(expected["metadata"].contains(kv.key));
    const json& want = expected["metadata"][kv.key];
    check_value(kv.value, want["type"].get<std::string>(), want["value"]);
    if (want.contains("element_type")) {
      CHECK(gguf_type_name(std::get<GgufArray>(kv.value.data).element_type) == want["element_type"].get<std::string>());
    }
  }

  REQUIRE(file.tensors().size() == expected["tensors"].size());
  for (const auto& view : file.tensors()) {
    INFO("tensor " << view.name);
    const json& want = expected["tensors"].at(view.name);
    CHECK(dtype_name(view.dtype) == want["dtype"].get<std::string>());
    CHECK(view.shape == want["shape"].get<std::vector<int64_t>>());
    CHECK(view.nbytes == want["nbytes"].get<size_t>());
    CHECK(test::byte_sum(view.bytes()) == want["byte_sum"].get<uint64_t>());
    if (base != nullptr) CHECK((view.data - base - file.data_offset()) % file.alignment() == 0);
    CHECK(file.tensor(view.name) == &view);
  }
}

}  // namespace

TEST_CASE("GGUF v3 written by gguf-py: every metadata value and tensor as written", "[loader][gguf]") {
  const auto bytes = test::read_bytes(test::models_fixture("tiny-v3.gguf"));
  const GgufFile file = GgufFile::parse(bytes, "tiny-v3.gguf");
  check_tiny_gguf(file, 3, bytes.data());
  const GgufFile mapped = GgufFile::open(test::models_fixture("tiny-v3.gguf"));
  check_tiny_gguf(mapped, 3, nullptr);
  CHECK(mapped.source() == test::models_fixture("tiny-v3.gguf"));
}

TEST_CASE("GGUF v2 (same layout, version 2) reads identically", "[loader][gguf]") {
  const auto bytes = test::read_bytes(test::models_fixture("tiny-v2.gguf"));
  check_tiny_gguf(GgufFile::parse(bytes, "tiny-v2.gguf"), 2, bytes.data());
  GgufFile moved = GgufFile::open(test::models_fixture("tiny-v2.gguf"));
  GgufFile target = std::move(moved);  // views point into the map, which moves without relocating
  check_tiny_gguf(target, 2, nullptr);
}

TEST_CASE("GGUF typed getters: values, absent keys, and type errors that name the key", "[loader][gguf]") {
  const GgufFile file = GgufFile::open(test::models_fixture("tiny-v3.gguf"));
  CHECK(file.get_string("general.architecture") == "llama");
  CHECK(file.get_uint("test.uint32") == 4000000000u);
  CHECK(file.get_uint("test.uint8") == 200u);
  CHECK(file.get_int("test.int8") == -100);
  CHECK(file.get_int("test.uint16") == 60000);
  CHECK(file.get_float("test.float32") == static_cast<double>(1e-6f));
  CHECK(file.get_float("test.float64") == 3.141592653589793);
  CHECK(file.get_float("test.uint16") == 60000.0);
  CHECK(file.get_bool("test.bool_true") == true);
  CHECK(file.get_bool("test.bool_false") == false);
  CHECK_FALSE(file.get_string("no.such.key").has_value());
  CHECK(file.get_string_array("no.such.key") == nullptr);
  CHECK(file.find("no.such.key") == nullptr);
  CHECK(file.tensor("no.such.tensor") == nullptr);

  const auto* strings = file.get_string_array("test.array_string");
  REQUIRE(strings != nullptr);
  CHECK(*strings == std::vector<std::string>{"a", "bc", "", "日本"});
  CHECK(file.get_int_array("test.array_int32") == std::vector<int64_t>{1, -2, 3, -4});
  CHECK(file.get_int_array("test.array_uint8") == std::vector<int64_t>{0, 255, 7});
  CHECK(file.get_int_array("test.array_bool") == std::vector<int64_t>{1, 0, 1});
  CHECK(file.get_float_array("test.array_float32") == std::vector<double>{0.5, -1.25, 3.0});
  CHECK(file.get_float_array("test.array_int32") == std::vector<double>{1, -2, 3, -4});

  CHECK_THROWS_AS(file.get_string("test.uint8"), LoadError);
  CHECK_THROWS_WITH(file.get_string("test.uint8"), Catch::Contains("tiny-v3.gguf") &&
                                                       Catch::Contains("metadata key 'test.uint8': expected string, got uint8"));
  CHECK_THROWS_WITH(file.get_uint("test.int8"), Catch::Contains("'test.int8'") && Catch::Contains("non-negative"));
  CHECK_THROWS_WITH(file.get_int("test.uint64"), Catch::Contains("does not fit int64"));
  CHECK_THROWS_WITH(file.get_bool("test.string"), Catch::Contains("expected bool, got string"));
  CHECK_THROWS_WITH(file.get_string_array("test.array_int32"), Catch::Contains("expected array of string, got array of int32"));
  CHECK_THROWS_WITH(file.get_int_array("test.array_nested"), Catch::Contains("'test.array_nested'"));
  CHECK_THROWS_WITH(file.get_float("test.string"), Catch::Contains("expected a number"));
}

TEST_CASE("GGUF metadata_json: scalars, short arrays, float32 shortest decimal, long arrays omitted", "[loader][gguf]") {
  const GgufFile file = GgufFile::open(test::models_fixture("tiny-v3.gguf"));
  const json j = file.metadata_json(10);
  CHECK(j["general.architecture"] == "llama");
  CHECK(j["test.float32"].get<double>() == 1e-6);  // not 9.999999974752427e-07
  CHECK(j["test.uint64"].get<uint64_t>() == 18000000000000000000ull);
  CHECK(j["test.int64"].get<int64_t>() == -9000000000000000000ll);
  CHECK(j["test.bool_true"] == true);
  CHECK(j["test.string"] == "héllo wörld ✓");
  CHECK(j["test.array_nested"] == json::parse("[[1,2],[3,4,5]]"));
  CHECK(j["test.array_bool"] == json::parse("[true,false,true]"));
  CHECK(j["test.array_float32"] == json::parse("[0.5,-1.25,3.0]"));
  CHECK_FALSE(j.contains("test.array_long"));  // 100 elements > 10
  CHECK(file.metadata_json(100)["test.array_long"].size() == 100);
  CHECK_FALSE(file.metadata_json(2).contains("test.array_nested"));  // inner array of 3 > 2
  CHECK(j.size() == file.metadata().size() - 1);
}

namespace {

// Little-endian GGUF builder for hand-made edge cases (layout from the GGUF spec).
struct GgufBytes {
  std::vector<uint8_t> bytes;
  template <class T>
  GgufBytes& put(T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof v);
    return *this;
  }
  GgufBytes& str(const std::string& s) {
    put<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  GgufBytes& header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
    bytes = {'G', 'G', 'U', 'F'};
    return put(version).put(n_tensors).put(n_kv);
  }
  GgufBytes& pad(size_t alignment) {
    while (bytes.size() % alignment != 0) bytes.push_back(0);
    return *this;
  }
};

}  // namespace

TEST_CASE("GGUF hand-built edge cases: header only, default alignment 32, empty array, 4-D shape order", "[loader][gguf]") {
  GgufBytes empty;
  empty.header(3, 0, 0);
  const GgufFile header_only = GgufFile::parse(empty.bytes, "header-only");
  CHECK(header_only.tensors().empty());
  CHECK(header_only.metadata().empty());
  CHECK(header_only.alignment() == 32);

  // One F16 tensor with ne = [2, 3, 4, 5] (ne[0] innermost) -> shape {5, 4, 3, 2}; no general.alignment.
  GgufBytes b;
  b.header(3, 1, 1).str("test.empty").put<uint32_t>(9).put<uint32_t>(4).put<uint64_t>(0);  // empty uint32 array
  b.str("t").put<uint32_t>(4).put<uint64_t>(2).put<uint64_t>(3).put<uint64_t>(4).put<uint64_t>(5).put<uint32_t>(1).put<uint64_t>(0);
  const size_t data_offset = (b.bytes.size() + 31) / 32 * 32;
  b.pad(32);
  for (int i = 0; i < 2 * 3 * 4 * 5 * 2; ++i) b.bytes.push_back(static_cast<uint8_t>(i));
  const GgufFile file = GgufFile::parse(b.bytes, "hand.gguf");
  CHECK(file.data_offset() == data_offset);
  REQUIRE(file.tensors().size() == 1);
  const TensorView& t = file.tensors()[0];
  CHECK(t.shape == std::vector<int64_t>{5, 4, 3, 2});
  CHECK(t.dtype == DType::F16);
  CHECK(t.nbytes == 240);
  CHECK(t.data == b.bytes.data() + data_offset);
  CHECK(file.get_int_array("test.empty")->empty());
  CHECK(file.metadata_json(0)["test.empty"] == json::array());

  // The same file one byte short: the tensor's end passes the end of the file.
  b.bytes.pop_back();
  CHECK_THROWS_WITH(GgufFile::parse(b.bytes, "short.gguf"), Catch::Contains("short.gguf: tensor 't': offset 0 + size 240 past end of file"));
}
