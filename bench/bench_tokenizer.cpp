// Encode throughput of the tokenizer (printed, never asserted): 1 MB of mixed text (prose, code, CJK,
// emoji) and a 1 MB single word, for the real Qwen3 and Llama-3.1 tokenizers in ../shared/models and the SmolLM2 vocabulary of the bundled default model.
// Usage: bench_tokenizer [--dump DIR]   (tokenizers from tests/test_paths.h shared_dir(); --dump also writes the
// three inputs to DIR so scripts/bench_tokenizer.sh can time HF `tokenizers` on the very same bytes)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "engine/tokenizer/tokenizer_json.h"
#include "engine/tokenizer/gguf_tokenizer.h"
#include "tests/test_paths.h"

using namespace edgeserve;

namespace {

std::string mixed_text(size_t size) {
  const std::vector<std::string> parts = {
      "The quick brown fox jumps over the lazy dog. It's 2024, and we'll see what they've planned. ",
      "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\n",
      "for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; }  // dot product\n",
      "机器学习是人工智能的一个分支。今天天气怎么样？",
      "こんにちは、世界。안녕하세요! ",
      "I \xE2\x9D\xA4\xEF\xB8\x8F emoji \xF0\x9F\x8E\x89\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91\xA7 ",
      "{\"name\": \"edgeserve\", \"values\": [1, 2, 3, 12345678]}\n",
  };
  std::string text;
  size_t i = 0;
  while (text.size() < size) {
    text += parts[i % parts.size()];
    text += std::to_string(i);  // keeps repeats from being identical
    text += ' ';
    ++i;
  }
  return text;
}

void bench(const char* name, const Tokenizer& tokenizer, const std::string& label, const std::string& text) {
  tokenizer.encode(text.substr(0, 4096), false);  // warm-up
  const auto start = std::chrono::steady_clock::now();
  const auto ids = tokenizer.encode(text, false);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%-8s %-22s %8.2f MB/s %12.0f tokens/s  (%zu bytes -> %zu tokens in %.3f s)\n", name, label.c_str(),
              text.size() / seconds / 1e6, ids.size() / seconds, text.size(), ids.size(), seconds);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string shared = test::shared_dir();
  const std::string mixed = mixed_text(1 << 20);
  const std::string a_word(1 << 20, 'a');
  std::string random_word(1 << 20, 'a');
  uint32_t state = 42;
  for (char& c : random_word) {
    state = state * 1664525u + 1013904223u;
    c = static_cast<char>('a' + (state >> 24) % 26);
  }
  if (argc > 2 && std::string(argv[1]) == "--dump") {
    const std::string dir = argv[2];
    std::ofstream(dir + "/mixed.txt", std::ios::binary) << mixed;
    std::ofstream(dir + "/a_word.txt", std::ios::binary) << a_word;
    std::ofstream(dir + "/random_word.txt", std::ios::binary) << random_word;
  }
  const struct {
    const char* name;
    const char* folder;
  } tokenizers[] = {{"qwen3", "qwen3-tokenizer"}, {"llama3.1", "llama3.1-tokenizer"}};
  const auto run_all = [&](const char* name, const Tokenizer& tokenizer) {
    bench(name, tokenizer, "1 MB mixed text", mixed);
    bench(name, tokenizer, "1 MB 'a' word", a_word);
    bench(name, tokenizer, "1 MB random-letter word", random_word);
  };
  try {
    for (const auto& t : tokenizers) {
      const auto start = std::chrono::steady_clock::now();
      const Tokenizer tokenizer = load_tokenizer(shared + "/models/" + t.folder);
      std::printf("%-8s load %.3f s\n", t.name,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      run_all(t.name, tokenizer);
    }
    const std::string model = test::default_model_path();
    if (model.empty()) {
      std::printf("smollm2  skipped: default model GGUF not found\n");
    } else {
      const auto start = std::chrono::steady_clock::now();
      const GgufFile gguf = GgufFile::open(model);
      const Tokenizer tokenizer = load_from_gguf(gguf);
      std::printf("smollm2  load %.3f s (GGUF parse + vocabulary)\n",
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      run_all("smollm2", tokenizer);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
