// libFuzzer target: arbitrary bytes as a tokenizer.json. A load either succeeds or throws TokenizerError; a
// loaded tokenizer must encode and decode a short string without crashing. Seed: tests/fixtures/tokenizer/
// tiny_tokenizer.json. Build: clang++ -fsanitize=fuzzer,address (see the tokenizer report / EDGESERVE_FUZZ).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/tokenizer/incremental_detokenizer.h"
#include "engine/tokenizer/tokenizer_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const edgeserve::Tokenizer tokenizer = edgeserve::tokenizer_from_json(text, "fuzz.json");
    for (const bool parse_special : {true, false}) {
      const auto ids = tokenizer.encode("Hello <s> w\xC3\xB6rld  123 \xF0\x9F\x98\x80\n", parse_special, true);
      const std::string decoded = tokenizer.decode(ids, false);
      edgeserve::IncrementalDetokenizer stream(tokenizer, true);
      for (const int32_t id : ids) stream.add(id);
      stream.flush();
      (void)decoded;
    }
  } catch (const edgeserve::TokenizerError&) {
    // Rejected with a message: the expected outcome for malformed input.
  }
  return 0;
}
