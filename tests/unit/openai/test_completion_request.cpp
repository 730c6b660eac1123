// parse_completion_request: OpenAI's legacy completions API (prompt shapes, integer logprobs, echo) plus the
// shared field rules, each bad input checked for status 400, type and param; good prompts compared against
// the exact text or token ids in the body.
#include <catch2/catch.hpp>

#include "tests/unit/openai/openai_test_util.h"

using namespace edgeserve;
using namespace edgeserve::openai;
using namespace edgeserve::openai::test;

namespace {

std::string completion_body(const std::string& prompt, const std::string& extra = "") {
  return R"({"model":"m","prompt":)" + prompt + extra + "}";
}

}  // namespace

TEST_CASE("completion: the four prompt shapes", "[openai]") {
  CHECK(std::get<std::string>(completion_ok(completion_body(R"("Once upon")")).prompt) == "Once upon");
  CHECK(std::get<std::string>(completion_ok(completion_body(R"(["Once upon"])")).prompt) == "Once upon");
  CHECK(std::get<std::vector<int32_t>>(completion_ok(completion_body("[1,2,999]")).prompt) ==
        std::vector<int32_t>{1, 2, 999});
  CHECK(std::get<std::vector<int32_t>>(completion_ok(completion_body("[[0,5]]")).prompt) ==
        std::vector<int32_t>{0, 5});
}

TEST_CASE("completion: bad prompts are a 400 with param prompt", "[openai]") {
  struct Case {
    const char* prompt;  // nullptr: the field is absent
    const char* message;
  };
  const Case cases[] = {
      {nullptr, "prompt is missing"},
      {"null", "prompt is missing"},
      {R"("")", "must not be empty"},
      {"[]", "must not be empty"},
      {R"([""])", "must not be empty"},
      {"[[]]", "must not be empty"},
      {"42", "prompt must be a string or an array of token ids, got number"},
      {"{}", "got object"},
      {R"(["a","b"])", "prompt holds 2 prompts"},
      {"[[1],[2]]", "prompt holds 2 prompts"},
      {R"([1,"a"])", "prompt[1] must be an integer token id, got string"},
      {"[1,2.5]", "prompt[1] must be an integer token id"},
      {"[1000]", "prompt token id 1000 is outside the vocabulary [0, 1000)"},
      {"[-1]", "outside the vocabulary"},
      {"[99999999999999999999]", "prompt[0] must be an integer token id"},
      {"[[[1]]]", "prompt[0] must be an integer token id, got array"},
  };
  for (const Case& c : cases) {
    const std::string body = c.prompt ? completion_body(c.prompt) : R"({"model":"m"})";
    INFO(body);
    const ApiError e = completion_error(body);
    check_400(e, "prompt");
    CHECK_THAT(e.message, Catch::Contains(c.message));
  }
}

TEST_CASE("completion: a body that is not a JSON object is a 400 with param null", "[openai]") {
  for (const char* body : {"", "not json", R"({"prompt":"a)", "[]", "42", "null", "true"}) {
    INFO(body);
    check_400(completion_error(body), std::nullopt);
  }
}

TEST_CASE("completion: echo, suffix and best_of are refused", "[openai]") {
  check_400(completion_error(completion_body(R"("a")", R"(,"echo":true)")), "echo");
  check_400(completion_error(completion_body(R"("a")", R"(,"echo":"no")")), "echo");
  check_400(completion_error(completion_body(R"("a")", R"(,"suffix":"end")")), "suffix");
  check_400(completion_error(completion_body(R"("a")", R"(,"best_of":3)")), "best_of");
  // The values that change nothing are accepted.
  completion_ok(completion_body(R"("a")", R"(,"echo":false,"suffix":"","best_of":2,"n":2)"));
  completion_ok(completion_body(R"("a")", R"(,"echo":null,"suffix":null,"best_of":null)"));
}

TEST_CASE("completion: logprobs is an integer count of alternatives", "[openai]") {
  const CompletionRequest r = completion_ok(completion_body(R"("a")", R"(,"logprobs":5)"));
  CHECK(r.sampling.logprobs);
  CHECK(r.sampling.top_logprobs == 5);
  const CompletionRequest zero = completion_ok(completion_body(R"("a")", R"(,"logprobs":0)"));
  CHECK(zero.sampling.logprobs);
  CHECK(zero.sampling.top_logprobs == 0);
  CHECK_FALSE(completion_ok(completion_body(R"("a")")).sampling.logprobs);
  check_400(completion_error(completion_body(R"("a")", R"(,"logprobs":21)")), "logprobs");
  check_400(completion_error(completion_body(R"("a")", R"(,"logprobs":-1)")), "logprobs");
  check_400(completion_error(completion_body(R"("a")", R"(,"logprobs":true)")), "logprobs");
}

TEST_CASE("completion: shared fields follow the chat rules", "[openai]") {
  const CompletionRequest r = completion_ok(completion_body(
      R"("a")", R"(,"temperature":0.2,"max_completion_tokens":30,"max_tokens":10,"stop":["x",""],"n":2,)"
                R"("stream":true,"stream_options":{"include_usage":true},"seed":-1,"user":"u","whatever":[1])"));
  CHECK(r.model == "m");
  CHECK(r.sampling.temperature == 0.2);
  CHECK(r.sampling.max_tokens == 30);
  CHECK(r.stop == std::vector<std::string>{"x"});
  CHECK(r.n == 2);
  CHECK(r.stream);
  CHECK(r.include_usage);
  CHECK(r.sampling.seed == UINT64_MAX);
  CHECK(r.user == "u");
  CHECK(r.raw["whatever"][0] == 1);

  struct Case {
    const char* extra;
    const char* param;
  };
  const Case cases[] = {
      {R"(,"temperature":"hot")", "temperature"}, {R"(,"temperature":-1)", "temperature"},
      {R"(,"max_tokens":"5")", "max_tokens"},     {R"(,"max_tokens":0)", "max_tokens"},
      {R"(,"stream":"yes")", "stream"},           {R"(,"stop":5)", "stop"},
      {R"(,"n":"2")", "n"},                       {R"(,"n":0)", "n"},
      {R"(,"top_p":1.5)", "top_p"},               {R"(,"presence_penalty":3)", "presence_penalty"},
      {R"(,"logit_bias":{"abc":1})", "logit_bias"},
      {R"(,"stream_options":{"include_usage":true})", "stream_options"},
  };
  for (const Case& c : cases) {
    INFO(c.extra);
    check_400(completion_error(completion_body(R"("a")", c.extra)), c.param);
  }
}
