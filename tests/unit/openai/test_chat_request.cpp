// parse_chat_completion_request: the body and field rules of docs/OPENAI_COMPAT.md and OpenAI's chat API
// reference (types, ranges, max_completion_tokens precedence, stop, stream_options), each bad input checked
// for status 400, type invalid_request_error and the param OpenAI would name; good inputs checked field by
// field against the values written in the body.
#include <catch2/catch.hpp>

#include "tests/unit/openai/openai_test_util.h"

using namespace edgeserve;
using namespace edgeserve::openai;
using namespace edgeserve::openai::test;

TEST_CASE("chat: a body that is not a JSON object is a 400 with param null", "[openai]") {
  SECTION("not JSON") {
    const ApiError e = chat_error("hello there");
    check_400(e, std::nullopt);
    CHECK_THAT(e.message, Catch::Contains("not valid JSON"));
  }
  SECTION("truncated JSON") {
    const ApiError e = chat_error(R"({"model":"m","messages":[{"role":"user","con)");
    check_400(e, std::nullopt);
    CHECK_THAT(e.message, Catch::Contains("ends early"));
  }
  SECTION("truncated after a colon") { check_400(chat_error(R"({"model":)"), std::nullopt); }
  SECTION("array") {
    const ApiError e = chat_error("[]");
    check_400(e, std::nullopt);
    CHECK_THAT(e.message, Catch::Contains("must be a JSON object, got array"));
  }
  SECTION("number") {
    const ApiError e = chat_error("42");
    check_400(e, std::nullopt);
    CHECK_THAT(e.message, Catch::Contains("got number"));
  }
  SECTION("null") { CHECK_THAT(chat_error("null").message, Catch::Contains("got null")); }
  SECTION("string") { CHECK_THAT(chat_error(R"("hi")").message, Catch::Contains("got string")); }
  SECTION("empty body") {
    const ApiError e = chat_error("");
    check_400(e, std::nullopt);
    CHECK_THAT(e.message, Catch::Contains("empty"));
  }
  SECTION("whitespace only") { CHECK_THAT(chat_error(" \n\t").message, Catch::Contains("empty")); }
  SECTION("invalid UTF-8 inside a string") {
    const ApiError e = chat_error(chat_body(",\"user\":\"\xff\xfe\""));
    check_400(e, std::nullopt);
    CHECK_THAT(e.message, Catch::Contains("UTF-8"));
  }
  SECTION("trailing garbage") { check_400(chat_error(chat_body("") + "xyz"), std::nullopt); }
  SECTION("nesting deeper than the limit") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    const ApiError e = chat_error(chat_body(",\"x\":" + deep));
    check_400(e, std::nullopt);
    CHECK_THAT(e.message, Catch::Contains("deeper than"));
  }
}

TEST_CASE("chat: parse errors never echo the body", "[openai]") {
  const std::string secret = "SECRET" + std::string(5000, 'z') + "\x01";
  const ApiError e = chat_error("{\"messages\": " + secret);
  check_400(e, std::nullopt);
  CHECK(e.message.find("SECRET") == std::string::npos);
  CHECK(e.message.size() < 300);
}

TEST_CASE("chat: wrong JSON types name the field", "[openai]") {
  struct Case {
    const char* extra;
    const char* param;
    const char* message;
  };
  const Case cases[] = {
      {R"(,"temperature":"hot")", "temperature", "temperature must be a number"},
      {R"(,"temperature":true)", "temperature", "temperature must be a number"},
      {R"(,"max_tokens":"5")", "max_tokens", "max_tokens must be an integer"},
      {R"(,"max_tokens":5.5)", "max_tokens", "max_tokens must be an integer"},
      {R"(,"max_completion_tokens":[1])", "max_completion_tokens", "max_completion_tokens must be an integer"},
      {R"(,"stream":"yes")", "stream", "stream must be a boolean"},
      {R"(,"stop":5)", "stop", "stop must be a string or an array of strings"},
      {R"(,"stop":["a",5])", "stop", "stop[1] must be a string"},
      {R"(,"n":"2")", "n", "n must be an integer"},
      {R"(,"top_p":"0.9")", "top_p", "top_p must be a number"},
      {R"(,"top_k":0.5)", "top_k", "top_k must be an integer"},
      {R"(,"min_p":{})", "min_p", "min_p must be a number"},
      {R"(,"repetition_penalty":"1")", "repetition_penalty", "repetition_penalty must be a number"},
      {R"(,"presence_penalty":"0")", "presence_penalty", "presence_penalty must be a number"},
      {R"(,"frequency_penalty":[])", "frequency_penalty", "frequency_penalty must be a number"},
      {R"(,"seed":"42")", "seed", "seed must be an integer"},
      {R"(,"seed":1.5)", "seed", "seed must be an integer"},
      {R"(,"logprobs":1)", "logprobs", "logprobs must be a boolean"},
      {R"(,"top_logprobs":"3")", "top_logprobs", "top_logprobs must be an integer"},
      {R"(,"logit_bias":[1])", "logit_bias", "logit_bias must be an object"},
      {R"(,"logit_bias":{"5":"x"})", "logit_bias", "logit_bias values must be numbers"},
      {R"(,"min_tokens":"1")", "min_tokens", "min_tokens must be an integer"},
      {R"(,"stop_token_ids":5)", "stop_token_ids", "stop_token_ids must be an array"},
      {R"(,"stop_token_ids":["5"])", "stop_token_ids", "stop_token_ids[0] must be an integer"},
      {R"(,"ignore_eos":1)", "ignore_eos", "ignore_eos must be a boolean"},
      {R"(,"model":7)", "model", "model must be a string"},
      {R"(,"user":{})", "user", "user must be a string"},
      {R"(,"stream":true,"stream_options":true)", "stream_options", "stream_options must be an object"},
      {R"(,"stream":true,"stream_options":{"include_usage":"y"})", "stream_options",
       "include_usage must be a boolean"},
      {R"(,"chat_template_kwargs":[])", "chat_template_kwargs", "chat_template_kwargs must be an object"},
  };
  for (const Case& c : cases) {
    INFO(c.extra);
    const ApiError e = chat_error(chat_body(c.extra));
    check_400(e, c.param);
    CHECK_THAT(e.message, Catch::Contains(c.message));
  }
}

TEST_CASE("chat: out-of-range values name the field", "[openai]") {
  struct Case {
    const char* extra;
    const char* param;
  };
  const Case cases[] = {
      {R"(,"temperature":-1)", "temperature"},
      {R"(,"temperature":2.5)", "temperature"},
      {R"(,"top_p":1.5)", "top_p"},
      {R"(,"top_p":0)", "top_p"},
      {R"(,"top_k":-2)", "top_k"},
      {R"(,"min_p":1.1)", "min_p"},
      {R"(,"repetition_penalty":0)", "repetition_penalty"},
      {R"(,"n":0)", "n"},
      {R"(,"n":1000000)", "n"},
      {R"(,"n":9)", "n"},
      {R"(,"n":18446744073709551615)", "n"},
      {R"(,"max_tokens":0)", "max_tokens"},
      {R"(,"max_tokens":-1)", "max_tokens"},
      {R"(,"max_completion_tokens":0,"max_tokens":10)", "max_completion_tokens"},
      {R"(,"max_tokens":1e300)", "max_tokens"},
      {R"(,"presence_penalty":3)", "presence_penalty"},
      {R"(,"frequency_penalty":-2.5)", "frequency_penalty"},
      {R"(,"logit_bias":{"abc":1})", "logit_bias"},
      {R"(,"logit_bias":{"":1})", "logit_bias"},
      {R"(,"logit_bias":{"5x":1})", "logit_bias"},
      {R"(,"logit_bias":{"999999999":1})", "logit_bias"},
      {R"(,"logit_bias":{"99999999999999999999999":1})", "logit_bias"},
      {R"(,"logit_bias":{"-1":1})", "logit_bias"},
      {R"(,"logit_bias":{"5":1000})", "logit_bias"},
      {R"(,"logit_bias":{"5":1e300})", "logit_bias"},
      {R"(,"logprobs":true,"top_logprobs":21)", "top_logprobs"},
      {R"(,"top_logprobs":21)", "top_logprobs"},
      {R"(,"top_logprobs":-1)", "top_logprobs"},
      {R"(,"top_logprobs":5)", "top_logprobs"},  // needs logprobs
      {R"(,"top_logprobs":99999999999)", "top_logprobs"},
      {R"(,"min_tokens":-1)", "min_tokens"},
      {R"(,"min_tokens":10,"max_tokens":5)", "min_tokens"},
      {R"(,"stop_token_ids":[1000])", "stop_token_ids"},
      {R"(,"stop_token_ids":[-1])", "stop_token_ids"},
      {R"(,"stop":["a","b","c","d","e"])", "stop"},
      {R"(,"stream_options":{"include_usage":true})", "stream_options"},
      {R"(,"stream":false,"stream_options":{"include_usage":true})", "stream_options"},
  };
  for (const Case& c : cases) {
    INFO(c.extra);
    check_400(chat_error(chat_body(c.extra)), c.param);
  }
}

TEST_CASE("chat: range messages say the range and the value", "[openai]") {
  CHECK_THAT(chat_error(chat_body(R"(,"temperature":2.5)")).message,
             Catch::Contains("temperature must be in [0, 2], got 2.5"));
  CHECK_THAT(chat_error(chat_body(R"(,"n":1000000)")).message, Catch::Contains("n must be in [1, 8], got 1000000"));
  CHECK_THAT(chat_error(chat_body(R"(,"max_completion_tokens":0)")).message,
             Catch::StartsWith("max_completion_tokens must be at least 1"));
  CHECK_THAT(chat_error(chat_body(R"(,"logit_bias":{"999999999":1})")).message,
             Catch::Contains("outside the vocabulary [0, 1000)"));
  CHECK_THAT(chat_error(chat_body(R"(,"logit_bias":{"abc":1})")).message, Catch::Contains("\"abc\""));
  CHECK_THAT(chat_error(chat_body(R"(,"stream_options":{"include_usage":true})")).message,
             Catch::Contains("only allowed when stream is true"));
}

TEST_CASE("chat: max_n comes from RequestLimits", "[openai]") {
  const RequestLimits limits{1000, 2};
  check_400(expect_error(parse_chat_completion_request(chat_body(R"(,"n":3)"), limits)), "n");
  CHECK(expect_ok(parse_chat_completion_request(chat_body(R"(,"n":2)"), limits)).n == 2);
}

TEST_CASE("chat: a minimal request gets the defaults", "[openai]") {
  const ChatCompletionRequest r = chat_ok(R"({"model":"qwen","messages":[{"role":"user","content":"hi"}]})");
  CHECK(r.model == "qwen");
  CHECK(r.messages == nlohmann::ordered_json::parse(R"([{"role":"user","content":"hi"}])"));
  CHECK_FALSE(r.sampling.temperature);
  CHECK_FALSE(r.sampling.top_p);
  CHECK_FALSE(r.sampling.top_k);
  CHECK_FALSE(r.sampling.max_tokens);
  CHECK_FALSE(r.sampling.seed);
  CHECK_FALSE(r.sampling.logprobs);
  CHECK(r.sampling.logit_bias.empty());
  CHECK(r.stop.empty());
  CHECK(r.n == 1);
  CHECK_FALSE(r.stream);
  CHECK_FALSE(r.include_usage);
  CHECK(r.user.empty());
  CHECK(r.chat_template_kwargs == nlohmann::json::object());
  CHECK(r.raw["model"] == "qwen");
}

TEST_CASE("chat: model may be absent", "[openai]") {
  CHECK(chat_ok(R"({"messages":[{"role":"user","content":"hi"}]})").model.empty());
}

TEST_CASE("chat: every field is read into the request", "[openai]") {
  const ChatCompletionRequest r = chat_ok(chat_body(
      R"(,"temperature":0.7,"top_p":0.8,"top_k":20,"min_p":0.05,"repetition_penalty":1.1,)"
      R"("presence_penalty":0.5,"frequency_penalty":-0.5,"logit_bias":{"5":-100,"17":2.5},"seed":42,)"
      R"("logprobs":true,"top_logprobs":3,"max_tokens":64,"min_tokens":2,"stop_token_ids":[7,9],)"
      R"("ignore_eos":true,"n":3,"stream":true,"stream_options":{"include_usage":true},"user":"u1",)"
      R"("chat_template_kwargs":{"enable_thinking":false})"));
  CHECK(r.sampling.temperature == 0.7);
  CHECK(r.sampling.top_p == 0.8);
  CHECK(r.sampling.top_k == 20);
  CHECK(r.sampling.min_p == 0.05);
  CHECK(r.sampling.repetition_penalty == 1.1);
  CHECK(r.sampling.presence_penalty == 0.5);
  CHECK(r.sampling.frequency_penalty == -0.5);
  CHECK(r.sampling.logit_bias == std::map<int32_t, float>{{5, -100.0f}, {17, 2.5f}});
  CHECK(r.sampling.seed == 42u);
  CHECK(r.sampling.logprobs);
  CHECK(r.sampling.top_logprobs == 3);
  CHECK(r.sampling.max_tokens == 64);
  CHECK(r.sampling.min_tokens == 2);
  CHECK(r.sampling.stop_token_ids == std::vector<int32_t>{7, 9});
  CHECK(r.sampling.ignore_eos);
  CHECK(r.n == 3);
  CHECK(r.stream);
  CHECK(r.include_usage);
  CHECK(r.user == "u1");
  CHECK(r.chat_template_kwargs == nlohmann::json{{"enable_thinking", false}});
}

TEST_CASE("chat: null means unset", "[openai]") {
  const ChatCompletionRequest r = chat_ok(chat_body(
      R"(,"temperature":null,"top_p":null,"max_tokens":null,"stop":null,"n":null,"stream":null,)"
      R"("stream_options":null,"logit_bias":null,"seed":null,"logprobs":null,"user":null,"model":null)"));
  CHECK_FALSE(r.sampling.temperature);
  CHECK_FALSE(r.sampling.top_p);
  CHECK_FALSE(r.sampling.max_tokens);
  CHECK(r.stop.empty());
  CHECK(r.n == 1);
  CHECK_FALSE(r.stream);
  CHECK_FALSE(r.sampling.seed);
}

TEST_CASE("chat: max_completion_tokens wins over max_tokens", "[openai]") {
  CHECK(chat_ok(chat_body(R"(,"max_tokens":10,"max_completion_tokens":20)")).sampling.max_tokens == 20);
  CHECK(chat_ok(chat_body(R"(,"max_completion_tokens":20,"max_tokens":10)")).sampling.max_tokens == 20);
  CHECK(chat_ok(chat_body(R"(,"max_tokens":10)")).sampling.max_tokens == 10);
  CHECK(chat_ok(chat_body(R"(,"max_tokens":10,"max_completion_tokens":null)")).sampling.max_tokens == 10);
  // An integral float is an integer (pydantic's rule).
  CHECK(chat_ok(chat_body(R"(,"max_tokens":12.0)")).sampling.max_tokens == 12);
}

TEST_CASE("chat: stop is a string or an array, and empty strings are ignored", "[openai]") {
  CHECK(chat_ok(chat_body(R"(,"stop":"END")")).stop == std::vector<std::string>{"END"});
  CHECK(chat_ok(chat_body(R"(,"stop":["a","b","c","d"])")).stop == std::vector<std::string>{"a", "b", "c", "d"});
  CHECK(chat_ok(chat_body(R"(,"stop":["a","","b"])")).stop == std::vector<std::string>{"a", "b"});
  CHECK(chat_ok(chat_body(R"(,"stop":"")")).stop.empty());
  CHECK(chat_ok(chat_body(R"(,"stop":[])")).stop.empty());
}

TEST_CASE("chat: unknown fields are ignored and kept in raw", "[openai]") {
  const ChatCompletionRequest r = chat_ok(chat_body(
      R"(,"enable_thinking":false,"return_reasoning":true,"tools":[{"type":"function","function":{"name":"f"}}],)"
      R"("totally_unknown":{"x":[1,2,3]},"parallel_tool_calls":false)"));
  CHECK(r.raw["enable_thinking"] == false);
  CHECK(r.raw["return_reasoning"] == true);
  CHECK(r.raw["tools"][0]["function"]["name"] == "f");
  CHECK(r.raw["totally_unknown"]["x"].size() == 3);
}

TEST_CASE("chat: seed accepts any int64 and uint64, negatives wrap", "[openai]") {
  CHECK(chat_ok(chat_body(R"(,"seed":-1)")).sampling.seed == UINT64_MAX);
  CHECK(chat_ok(chat_body(R"(,"seed":0)")).sampling.seed == 0u);
  CHECK(chat_ok(chat_body(R"(,"seed":-9223372036854775808)")).sampling.seed == 9223372036854775808ull);
  CHECK(chat_ok(chat_body(R"(,"seed":18446744073709551615)")).sampling.seed == UINT64_MAX);
}

TEST_CASE("chat: top_logprobs 0 without logprobs and 20 with it are accepted", "[openai]") {
  CHECK(chat_ok(chat_body(R"(,"top_logprobs":0)")).sampling.top_logprobs == 0);
  const ChatCompletionRequest r = chat_ok(chat_body(R"(,"logprobs":true,"top_logprobs":20)"));
  CHECK(r.sampling.top_logprobs == 20);
  CHECK(r.sampling.logprobs);
}

TEST_CASE("chat: boundary values are accepted", "[openai]") {
  const ChatCompletionRequest r = chat_ok(chat_body(
      R"(,"temperature":0,"top_p":1,"presence_penalty":-2,"frequency_penalty":2,"n":8,"max_tokens":1,)"
      R"("top_k":-1,"logit_bias":{"0":-100,"999":100})"));
  CHECK(r.sampling.temperature == 0.0);
  CHECK(r.n == 8);
  CHECK(r.sampling.logit_bias.at(999) == 100.0f);
  CHECK(chat_ok(chat_body(R"(,"temperature":2)")).sampling.temperature == 2.0);
}

TEST_CASE("chat: raw keeps the client's key order (tools reach the template from it)", "[openai]") {
  const ChatCompletionRequest r = chat_ok(chat_body(
      R"(,"tools":[{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object",)"
      R"("properties":{"b":{"type":"string"},"a":{"type":"integer"}},"required":["b"]}}}])"));
  CHECK(r.raw["tools"].dump() ==
        R"([{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object",)"
        R"("properties":{"b":{"type":"string"},"a":{"type":"integer"}},"required":["b"]}}}])");
}
