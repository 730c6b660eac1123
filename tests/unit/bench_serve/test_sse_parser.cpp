// SseParser and parse_stream_chunk. Reference: the WHATWG event-stream rules (line endings LF/CRLF/CR,
// `data:` joining, comments, dispatch on blank line) and OpenAI's chat.completion.chunk / text_completion
// stream shapes, written out by hand below; every split of the byte stream must give the same events.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "server/bench/sse_parser.h"
#include "server/bench/stream_chunk.h"

using namespace edgeserve::bench;

namespace {

// An OpenAI-style stream with the awkward parts: a comment, CRLF and CR endings, a two-line data field,
// an `event:` field, an event without data (dropped) and the final usage chunk.
const std::string kStream =
    ": keep-alive\n\n"
    "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n"
    "data:{\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}\r\r"
    "event: message\ndata: first\ndata: second\n\n"
    "id: 7\n\n"
    "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":2}}\n\n"
    "data: [DONE]\n\n";

const std::vector<std::pair<std::string, std::string>> kExpected = {
    {"", "{\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}"},
    {"", "{\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}"},
    {"", "{\"choices\":[{\"delta\":{\"content\":\"lo\"}}]}"},
    {"message", "first\nsecond"},
    {"", "{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":2}}"},
    {"", "[DONE]"},
};

std::vector<std::pair<std::string, std::string>> parse_in_pieces(const std::string& stream,
                                                                 const std::vector<size_t>& cuts) {
  SseParser parser;
  std::vector<std::pair<std::string, std::string>> events;
  auto on_event = [&](const SseEvent& e) { events.emplace_back(e.event, e.data); };
  size_t begin = 0;
  for (size_t cut : cuts) {
    parser.feed(std::string_view(stream).substr(begin, cut - begin), on_event);
    begin = cut;
  }
  parser.feed(std::string_view(stream).substr(begin), on_event);
  CHECK_FALSE(parser.has_partial_event());
  return events;
}

}  // namespace

TEST_CASE("SSE parser: whole stream gives the hand-written events", "[bench]") {
  CHECK(parse_in_pieces(kStream, {}) == kExpected);
}

TEST_CASE("SSE parser: one byte at a time gives the same events", "[bench]") {
  std::vector<size_t> cuts;
  for (size_t i = 1; i < kStream.size(); ++i) cuts.push_back(i);
  CHECK(parse_in_pieces(kStream, cuts) == kExpected);
}

TEST_CASE("SSE parser: every two-piece split gives the same events", "[bench]") {
  for (size_t cut = 0; cut <= kStream.size(); ++cut) {
    INFO("cut at byte " << cut);
    CHECK(parse_in_pieces(kStream, {cut}) == kExpected);
  }
}

TEST_CASE("SSE parser: CR and LF of one CRLF in different pieces are one line break", "[bench]") {
  // If the LF were taken as a second (blank) line, "a" would be dispatched before "b" is appended.
  SseParser parser;
  std::vector<std::string> data;
  auto on_event = [&](const SseEvent& e) { data.push_back(e.data); };
  parser.feed("data: a\r", on_event);
  parser.feed("\ndata: b\r", on_event);
  parser.feed("\n\r", on_event);
  parser.feed("\n", on_event);
  CHECK(data == std::vector<std::string>{"a\nb"});
}

TEST_CASE("SSE parser: an unfinished event is reported as partial", "[bench]") {
  SseParser parser;
  int num_events = 0;
  parser.feed("data: {\"choices\":[]}\n", [&](const SseEvent&) { ++num_events; });
  CHECK(num_events == 0);
  CHECK(parser.has_partial_event());
}

TEST_CASE("SSE parser: an event over the size limit throws instead of growing", "[bench]") {
  SseParser parser(64);
  std::string big = "data: " + std::string(100, 'x') + "\n\n";
  CHECK_THROWS_AS(parser.feed(big, [](const SseEvent&) {}), SseParseError);
  SseParser multi_line(64);  // the limit covers the joined data of several lines too
  std::string lines;
  for (int i = 0; i < 10; ++i) lines += "data: 0123456789\n";
  CHECK_THROWS_AS(multi_line.feed(lines, [](const SseEvent&) {}), SseParseError);
}

TEST_CASE("stream chunk: chat deltas, role chunk, usage chunk, DONE sentinel", "[bench]") {
  StreamChunk role = parse_stream_chunk(R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})");
  CHECK(role.kind == ChunkKind::kData);
  CHECK(role.text.empty());
  CHECK_FALSE(role.usage);

  StreamChunk content = parse_stream_chunk(R"({"choices":[{"delta":{"content":" world"},"finish_reason":null}]})");
  CHECK(content.text == " world");

  StreamChunk null_content = parse_stream_chunk(R"({"choices":[{"delta":{"content":null}}],"usage":null})");
  CHECK(null_content.text.empty());
  CHECK_FALSE(null_content.usage);

  StreamChunk reasoning = parse_stream_chunk(R"({"choices":[{"delta":{"reasoning_content":"hmm"}}]})");
  CHECK(reasoning.text == "hmm");

  StreamChunk usage =
      parse_stream_chunk(R"({"choices":[],"usage":{"prompt_tokens":31,"completion_tokens":8,"total_tokens":39}})");
  REQUIRE(usage.usage);
  CHECK(usage.usage->prompt_tokens == 31);
  CHECK(usage.usage->completion_tokens == 8);

  CHECK(parse_stream_chunk("[DONE]").kind == ChunkKind::kDone);
  CHECK(parse_stream_chunk("[DONE]\n").kind == ChunkKind::kDone);
}

TEST_CASE("stream chunk: completions text and in-stream errors", "[bench]") {
  StreamChunk text = parse_stream_chunk(R"({"object":"text_completion","choices":[{"index":0,"text":"abc"}]})");
  CHECK(text.text == "abc");

  StreamChunk error = parse_stream_chunk(R"({"error":{"message":"out of KV cache","type":"server_error"}})");
  CHECK(error.kind == ChunkKind::kError);
  CHECK(error.error_message == "out of KV cache");

  StreamChunk bare_error = parse_stream_chunk(R"({"error":"boom"})");
  CHECK(bare_error.kind == ChunkKind::kError);
  CHECK(bare_error.error_message.find("boom") != std::string::npos);
}

TEST_CASE("stream chunk: malformed payloads throw naming the payload", "[bench]") {
  CHECK_THROWS_WITH(parse_stream_chunk("{\"choices\": ["), Catch::Contains("not valid JSON"));
  CHECK_THROWS_WITH(parse_stream_chunk("[1, 2]"), Catch::Contains("not a JSON object"));
}
