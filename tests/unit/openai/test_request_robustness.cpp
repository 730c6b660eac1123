// Robustness of both parsers against malformed bodies: seeded byte mutations and truncations of valid
// requests must each give a request or a 400 whose JSON is valid UTF-8 and whose message stays short --
// never an exception, a 5xx or a crash (compared against that property, run under ASan/UBSan in CI builds).
#include <catch2/catch.hpp>

#include <random>

#include "engine/util/utf8.h"
#include "tests/unit/openai/openai_test_util.h"

using namespace edgeserve::openai;
using namespace edgeserve::openai::test;

namespace {

const char* const kSeeds[] = {
    R"({"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"a"}]},)"
    R"({"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]},)"
    R"({"role":"tool","tool_call_id":"c","content":"r"}],"temperature":0.5,"top_p":0.9,"max_tokens":16,"stop":["x"],)"
    R"("logit_bias":{"5":1},"seed":-3,"n":2,"stream":true,"stream_options":{"include_usage":true},"logprobs":true,"top_logprobs":2})",
    R"({"model":"m","prompt":[[1,2,3]],"max_completion_tokens":5,"logprobs":2,"stop":"\n","echo":false})",
};

void check_outcome_ok(const ApiError& error) {
  INFO(error.to_json().dump());
  CHECK(error.status == 400);
  CHECK(error.message.size() <= 1024 + 3);
  CHECK(edgeserve::utf8::is_valid(error.to_json().dump()));
}

template <typename Result>
void check_result(const Result& result) {
  if (const auto* error = std::get_if<ApiError>(&result)) check_outcome_ok(*error);
}

}  // namespace

TEST_CASE("parsers turn every mutated body into a request or a 400", "[openai]") {
  std::mt19937 rng(12345);
  const char kInteresting[] = {'{', '}', '[', ']', '"', ',', ':', '\\', '\0', '\xff', '\x01', '0', '-', 'e', 'n'};
  int num_errors = 0;
  for (const char* seed : kSeeds) {
    for (int iteration = 0; iteration < 3000; ++iteration) {
      std::string body = seed;
      const int num_mutations = 1 + static_cast<int>(rng() % 4);
      for (int m = 0; m < num_mutations && !body.empty(); ++m) {
        const size_t pos = rng() % body.size();
        switch (rng() % 4) {
          case 0: body[pos] = kInteresting[rng() % sizeof(kInteresting)]; break;
          case 1: body.erase(pos, 1 + rng() % 8); break;
          case 2: body.insert(pos, 1, kInteresting[rng() % sizeof(kInteresting)]); break;
          case 3: body.resize(pos); break;
        }
      }
      const auto chat = parse_chat_completion_request(body, test_limits());
      const auto completion = parse_completion_request(body, test_limits());
      check_result(chat);
      check_result(completion);
      num_errors += std::holds_alternative<ApiError>(chat) ? 1 : 0;
    }
  }
  // The mutations must actually reach the error paths, or this test checks nothing.
  CHECK(num_errors > 1000);
}

TEST_CASE("a number beyond double's range is a 400, not an exception", "[openai]") {
  check_400(chat_error(chat_body(R"(,"temperature":1e999)")), std::nullopt);
  check_400(completion_error(R"({"prompt":"a","max_tokens":-1e999})"), std::nullopt);
}
