// libFuzzer target: SafetensorsFile::parse on arbitrary bytes. A LoadError is the expected outcome for
// malformed input; anything else (crash, sanitizer report, other exception) is a bug. On success, the first
// and last byte of every tensor view are read so out-of-bounds views would be caught by ASan.
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/loader/load_error.h"
#include "engine/loader/safetensors_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto file = edgeserve::SafetensorsFile::parse(std::span<const uint8_t>(data, size), "fuzz.safetensors");
    volatile uint8_t sink = 0;
    for (const auto& view : file.tensors()) {
      if (view.nbytes > 0) sink = sink ^ view.data[0] ^ view.data[view.nbytes - 1];
    }
  } catch (const edgeserve::LoadError&) {
  }
  return 0;
}
