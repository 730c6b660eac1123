// bench serve against a real HTTP server on 127.0.0.1 (loopback_sse_server.h) that streams canned SSE chunks
// with known sleeps. References: the server's schedule (TTFT >= 60 ms, ITL >= 25 ms per gap, 4 tokens, usage
// = words + 5), the request body fields bench serve promises (stream, include_usage, max_tokens, ignore_eos,
// temperature), the Poisson schedule of PoissonArrivals for the same seed, and the error kinds of metrics.h.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "server/bench/arrivals.h"
#include "server/bench/bench_serve_command.h"
#include "server/bench/load_runner.h"
#include "tests/unit/bench_serve/loopback_sse_server.h"

using namespace edgeserve;
using namespace edgeserve::bench;
using edgeserve::test::LoopbackSseServer;

namespace {

constexpr double kFirstTokenS = LoopbackSseServer::kFirstTokenDelayMs / 1000.0;
constexpr double kTokenGapS = LoopbackSseServer::kTokenGapMs / 1000.0;
constexpr double kSlackS = 0.002;  // steady_clock reads on both sides of the socket
// A gap is measured between two receive times; a late wake-up on the first one shortens it. Busy shared
// machines delay wake-ups by a few ms, so gap lower bounds get more slack than absolute times do.
constexpr double kGapSlackS = 0.008;

LoadConfig loopback_config(const std::string& base_url, int64_t num_prompts, int concurrency) {
  LoadConfig config;
  config.client.endpoint = parse_base_url(base_url);
  config.client.timeout_s = 5.0;
  config.request.model = "tiny-test";
  config.request.max_tokens = LoopbackSseServer::kNumTokens;
  config.input_len = 12;
  config.num_prompts = num_prompts;
  config.concurrency = concurrency;
  config.seed = 11;
  return config;
}

// A port nothing listens on: bound (so no one else takes it during the test) but never listening.
struct ClosedPort {
  int fd = -1;
  int port = 0;
  ClosedPort() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    socklen_t len = sizeof(addr);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port = ntohs(addr.sin_port);
  }
  ~ClosedPort() { ::close(fd); }
};

}  // namespace

TEST_CASE("bench serve end to end: timings, usage and request body against a loopback SSE server", "[bench]") {
  LoopbackSseServer server;
  LoadConfig config = loopback_config(server.origin() + "/v1", 4, 2);
  config.request.model = fetch_first_model_id(config.client);
  CHECK(config.request.model == "tiny-test");

  LoadResult result = run_load(config);
  REQUIRE(result.outputs.size() == 4);
  for (const RequestOutput& out : result.outputs) {
    INFO(out.error_kind << ": " << out.error_message);
    REQUIRE(out.success);
    CHECK(out.ttft_s >= kFirstTokenS - kSlackS);  // the role-only chunk must not count as the first token
    CHECK(out.ttft_s < 1.0);
    REQUIRE(out.itl_s.size() == LoopbackSseServer::kNumTokens - 1);
    for (double gap : out.itl_s) CHECK(gap >= kTokenGapS - kGapSlackS);
    CHECK(out.num_content_chunks == LoopbackSseServer::kNumTokens);
    CHECK(out.completion_tokens == LoopbackSseServer::kNumTokens);
    CHECK(out.prompt_tokens == config.input_len + LoopbackSseServer::kPromptOverhead);
    double gaps = 0.0;
    for (double gap : out.itl_s) gaps += gap;
    CHECK(out.e2el_s >= out.ttft_s + gaps - 1e-9);
  }
  CHECK(server.max_in_flight() <= 2);
  CHECK(result.duration_s >= 2 * (kFirstTokenS + 3 * kTokenGapS) - kSlackS);  // 4 requests, 2 at a time

  BenchMetrics metrics = compute_metrics(result.outputs, result.duration_s);
  CHECK(metrics.completed == 4);
  CHECK(metrics.total_output_tokens == 16);
  CHECK(metrics.total_input_tokens == 4 * (12 + LoopbackSseServer::kPromptOverhead));
  CHECK(metrics.tpot.count == 4);
  CHECK(metrics.tpot.min_ms >= 1000.0 * (kTokenGapS - kGapSlackS));

  std::vector<nlohmann::json> bodies = server.received_bodies();
  REQUIRE(bodies.size() == 4);
  std::set<std::string> prompts;
  for (const nlohmann::json& body : bodies) {
    CHECK(body["model"] == "tiny-test");
    CHECK(body["stream"] == true);
    CHECK(body["stream_options"]["include_usage"] == true);
    CHECK(body["max_tokens"] == LoopbackSseServer::kNumTokens);
    CHECK(body["max_completion_tokens"] == LoopbackSseServer::kNumTokens);
    CHECK(body["ignore_eos"] == true);
    CHECK(body["temperature"] == 0.0);
    CHECK(body["messages"][0]["role"] == "user");
    prompts.insert(body["messages"][0]["content"].get<std::string>());
  }
  CHECK(prompts.size() == 4);  // a different prompt per request
}

TEST_CASE("bench serve end to end: completions endpoint reads the choice text", "[bench]") {
  LoopbackSseServer server;
  LoadConfig config = loopback_config(server.origin() + "/v1", 1, 1);
  config.request.endpoint = EndpointKind::kCompletions;
  LoadResult result = run_load(config);
  REQUIRE(result.outputs.size() == 1);
  REQUIRE(result.outputs[0].success);
  CHECK(result.outputs[0].num_content_chunks == LoopbackSseServer::kNumTokens);
  CHECK(server.received_bodies().at(0).contains("prompt"));
  CHECK_FALSE(server.received_bodies().at(0).contains("max_completion_tokens"));
}

TEST_CASE("bench serve end to end: failures are counted by kind and never abort the run", "[bench]") {
  LoopbackSseServer server;
  ClosedPort closed;
  struct Case {
    std::string base_url;
    std::string kind;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {server.origin() + "/busy", "http 503", "server busy"},
      {server.origin() + "/midstream", "stream error", "engine failed"},
      {server.origin() + "/nodone", "stream error", "[DONE]"},
      {server.origin() + "/missing", "http 404", ""},
      {"http://127.0.0.1:" + std::to_string(closed.port) + "/v1", "connection", ""},
  };
  for (const Case& c : cases) {
    INFO(c.base_url);
    LoadResult result = run_load(loopback_config(c.base_url, 2, 2));
    REQUIRE(result.outputs.size() == 2);  // both requests ran although the first failed
    for (const RequestOutput& out : result.outputs) {
      CHECK_FALSE(out.success);
      CHECK(out.error_kind == c.kind);
      CHECK(out.error_message.find(c.message_part) != std::string::npos);
    }
    BenchMetrics metrics = compute_metrics(result.outputs, result.duration_s);
    CHECK(metrics.errors_by_kind.at(c.kind) == 2);
  }

  LoadConfig stall = loopback_config(server.origin() + "/stall", 1, 1);
  stall.client.timeout_s = 0.2;
  LoadResult result = run_load(stall);
  REQUIRE(result.outputs.size() == 1);
  CHECK(result.outputs[0].error_kind == "timeout");
  CHECK(result.duration_s < 0.7);
}

TEST_CASE("bench serve end to end: Poisson sends follow the seeded arrival schedule", "[bench]") {
  LoopbackSseServer server;
  LoadConfig config = loopback_config(server.origin() + "/v1", 6, 4);
  config.request_rate = 20.0;
  config.seed = 5;
  LoadResult result = run_load(config);
  REQUIRE(result.outputs.size() == 6);
  PoissonArrivals reference(20.0, 5);
  for (const RequestOutput& out : result.outputs) {
    CHECK(out.success);
    CHECK(out.send_offset_s >= reference.next_arrival_s() - 0.001);  // never before its arrival
  }
  CHECK(server.max_in_flight() <= 4);
}

TEST_CASE("bench serve end to end: --duration bounds an open-ended run", "[bench]") {
  LoopbackSseServer server;
  LoadConfig config = loopback_config(server.origin() + "/v1", 0, 2);
  config.duration_s = 0.3;
  LoadResult result = run_load(config);
  // Each request takes >= 135 ms: 2 users fit 2-3 rounds into 0.3 s; the last ones finish after it.
  CHECK(result.outputs.size() >= 2);
  CHECK(result.outputs.size() <= 6);
  CHECK(result.duration_s < 0.3 + 1.0);
  for (const RequestOutput& out : result.outputs) CHECK(out.send_offset_s < 0.3);
}

TEST_CASE("bench serve end to end: the command writes the table and the JSON report", "[bench]") {
  LoopbackSseServer server;
  BenchServeOptions options;
  options.base_url = server.origin() + "/v1";  // model left empty: taken from GET /v1/models
  options.num_prompts = 3;
  options.concurrency = 3;
  options.input_len = 8;
  options.output_len = LoopbackSseServer::kNumTokens;
  const std::filesystem::path json_path =
      std::filesystem::temp_directory_path() / ("bench_serve_test_" + std::to_string(::getpid()) + ".json");
  options.json_path = json_path.string();
  options.goodput = {"ttft:10000"};  // every request meets it
  REQUIRE(run_bench_serve(options) == 0);
  std::ifstream file(json_path);
  REQUIRE(file.good());
  nlohmann::json report = nlohmann::json::parse(file);
  std::filesystem::remove(json_path);
  CHECK(report["model_id"] == "tiny-test");
  CHECK(report["completed"] == 3);
  CHECK(report["failed"] == 0);
  CHECK(report["total_output_tokens"] == 3 * LoopbackSseServer::kNumTokens);
  CHECK(report["mean_input_tokens"].get<double>() == Approx(8 + LoopbackSseServer::kPromptOverhead));
  CHECK(report["mean_ttft_ms"].get<double>() >= 1000.0 * kFirstTokenS - 2.0);
  CHECK(report["p99_itl_ms"].get<double>() >= 1000.0 * (kTokenGapS - kGapSlackS));
  CHECK(report["good_completed"] == 3);
  CHECK(report["goodput_slo_ms"]["ttft"] == 10000.0);
  CHECK(report["ttfts"].size() == 3);
  CHECK(report["itls"][0].size() == LoopbackSseServer::kNumTokens - 1);

  BenchServeOptions bad = options;
  bad.base_url = "127.0.0.1:1/v1";
  CHECK(run_bench_serve(bad) == 2);
}
