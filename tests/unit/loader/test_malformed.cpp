// The malformed corpus (scripts/gen_malformed_corpus.py -> tests/fixtures/malformed/): every file or folder
// must be rejected with a LoadError whose message names the file and contains the substring recorded in
// expected.json. Each case is also parsed from memory (the fuzzers' entry point) where it is a single file.
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "engine/loader/gguf_file.h"
#include "engine/loader/load_error.h"
#include "engine/loader/safetensors_file.h"
#include "engine/loader/safetensors_model.h"
#include "tests/unit/loader/loader_test_util.h"

using namespace edgeserve;
namespace fs = std::filesystem;

namespace {

std::string load_and_get_error(const std::string& path, bool from_memory) {
  const std::string name = fs::path(path).filename().string();
  try {
    if (fs::is_directory(path)) {
      SafetensorsModel::open(path);
    } else if (path.ends_with(".gguf")) {
      if (from_memory) GgufFile::parse(test::read_bytes(path), name);
      else GgufFile::open(path);
    } else {
      if (from_memory) SafetensorsFile::parse(test::read_bytes(path), name);
      else SafetensorsFile::open(path);
    }
  } catch (const LoadError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("malformed corpus: every case rejected with a message naming the file and the fault", "[loader][malformed]") {
  const std::string dir = test::fixtures_dir() + "/malformed";
  const auto expected = test::read_json(dir + "/expected.json");
  REQUIRE(expected.size() >= 24);

  std::set<std::string> on_disk;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename() != "expected.json") on_disk.insert(entry.path().filename().string());
  }
  std::set<std::string> listed;
  for (const auto& [name, _] : expected.items()) listed.insert(name);
  CHECK(on_disk == listed);  // no case without an expectation, no expectation without a case

  for (const auto& [name, substring] : expected.items()) {
    const std::string path = dir + "/" + name;
    for (bool from_memory : {false, true}) {
      if (from_memory && fs::is_directory(path)) continue;
      const std::string message = load_and_get_error(path, from_memory);
      INFO(name << (from_memory ? " (from memory)" : " (from file)") << ": \"" << message << "\"");
      CHECK_FALSE(message.empty());
      CHECK(message.find(name) != std::string::npos);
      CHECK(message.find(substring.get<std::string>()) != std::string::npos);
    }
  }
}
