// libFuzzer target: GgufFile::parse on arbitrary bytes. A LoadError is the expected outcome for malformed
// input; anything else (crash, sanitizer report, other exception) is a bug. On success, every tensor view
// and metadata accessor is touched so out-of-bounds views would be caught by ASan.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>

#include "engine/loader/gguf_file.h"
#include "engine/loader/load_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto file = edgeserve::GgufFile::parse(std::span<const uint8_t>(data, size), "fuzz.gguf");
    volatile uint8_t sink = 0;
    for (const auto& view : file.tensors()) {
      if (view.nbytes > 0) sink = sink ^ view.data[0] ^ view.data[view.nbytes - 1];
    }
    (void)file.metadata_json(16).dump();
    for (const auto& kv : file.metadata()) {
      try {
        (void)file.get_string_array(kv.key);
      } catch (const edgeserve::LoadError&) {
      }
    }
  } catch (const edgeserve::LoadError&) {
  }
  return 0;
}
