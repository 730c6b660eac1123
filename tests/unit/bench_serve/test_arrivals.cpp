// PoissonArrivals, make_prompt and the option resolution of bench serve. References: the exponential
// distribution (mean and standard deviation 1/rate) for the arrival gaps with a fixed seed; the CLI contract
// written in bench_serve_command.h for the defaults.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "server/bench/arrivals.h"
#include "server/bench/bench_serve_command.h"
#include "server/bench/prompt_generator.h"

using namespace edgeserve;
using namespace edgeserve::bench;

TEST_CASE("Poisson arrivals: gap mean and std are 1/rate for a fixed seed", "[bench]") {
  const double rate = 4.0;
  const int n = 20000;
  PoissonArrivals arrivals(rate, 42);
  std::vector<double> gaps;
  double previous = 0.0;
  for (int i = 0; i < n; ++i) {
    double t = arrivals.next_arrival_s();
    REQUIRE(t >= previous);
    gaps.push_back(t - previous);
    previous = t;
  }
  double mean = previous / n;
  double squares = 0.0;
  for (double g : gaps) squares += (g - mean) * (g - mean);
  double stddev = std::sqrt(squares / n);
  // Standard error of the mean is 0.25 / sqrt(20000) = 0.0018: 2 % is about 3 standard errors.
  CHECK(mean == Approx(1.0 / rate).epsilon(0.02));
  CHECK(stddev == Approx(1.0 / rate).epsilon(0.05));  // exponential: std = mean (a fixed gap would give 0)
}

TEST_CASE("Poisson arrivals: same seed same schedule, other seed another", "[bench]") {
  PoissonArrivals a(10.0, 7), b(10.0, 7), c(10.0, 8);
  bool any_difference = false;
  for (int i = 0; i < 100; ++i) {
    double ta = a.next_arrival_s();
    CHECK(ta == b.next_arrival_s());
    any_difference |= (ta != c.next_arrival_s());
  }
  CHECK(any_difference);
}

TEST_CASE("prompts: deterministic per (seed, index), distinct across requests, N words", "[bench]") {
  std::string p = make_prompt(0, 3, 50);
  CHECK(p == make_prompt(0, 3, 50));
  CHECK(p != make_prompt(0, 4, 50));
  CHECK(p != make_prompt(1, 3, 50));
  std::istringstream words(p);
  std::string word;
  int count = 0;
  while (words >> word) ++count;
  CHECK(count == 50);
  CHECK(make_prompt(0, 0, 1).find(' ') == std::string::npos);

  // A long prompt draws from the whole list, so the mix is not stuck on a few words.
  std::istringstream long_prompt(make_prompt(5, 0, 20000));
  std::set<std::string> distinct;
  while (long_prompt >> word) distinct.insert(word);
  CHECK(distinct.size() == prompt_vocabulary_size());
}

namespace {

bench::LoadConfig resolve(std::vector<std::string> args) {
  CLI::App app;
  BenchServeOptions options;
  add_bench_serve_options(app, options);
  std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector
  app.parse(args);
  return resolve_load_config(options);
}

}  // namespace

TEST_CASE("bench serve options: defaults and resolution", "[bench]") {
  bench::LoadConfig closed = resolve({"--base-url", "http://127.0.0.1:9000/v1/", "--model", "m"});
  CHECK(closed.client.endpoint.origin == "http://127.0.0.1:9000");
  CHECK(closed.client.endpoint.path_prefix == "/v1");
  CHECK(closed.concurrency == 1);
  CHECK(closed.num_prompts == 100);
  CHECK(closed.request_rate == 0.0);
  CHECK(closed.request.endpoint == EndpointKind::kChatCompletions);
  CHECK(closed.request.ignore_eos);

  bench::LoadConfig poisson = resolve({"--request-rate", "5", "--seed", "3", "--endpoint", "completions",
                                       "--no-ignore-eos", "--output-len", "7", "--input-len", "9"});
  CHECK(poisson.concurrency == 256);
  CHECK(poisson.request_rate == 5.0);
  CHECK(poisson.seed == 3);
  CHECK(poisson.request.endpoint == EndpointKind::kCompletions);
  CHECK_FALSE(poisson.request.ignore_eos);
  CHECK(poisson.request.max_tokens == 7);
  CHECK(poisson.input_len == 9);

  bench::LoadConfig timed = resolve({"--duration", "10", "--concurrency", "8"});
  CHECK(timed.num_prompts == 0);  // no limit: the duration bounds the run
  CHECK(timed.concurrency == 8);
  CHECK(timed.duration_s == 10.0);

  CHECK_THROWS_AS(resolve({"--concurrency", "0"}), CLI::ValidationError);
  CHECK_THROWS_AS(resolve({"--endpoint", "embeddings"}), CLI::ValidationError);
}

TEST_CASE("goodput SLO parsing follows vLLM's NAME:MS form", "[bench]") {
  bench::GoodputSlo slo = parse_goodput({"ttft:500", "tpot:12.5", "e2el:3000"});
  CHECK(slo.ttft_ms == 500.0);
  CHECK(slo.tpot_ms == 12.5);
  CHECK(slo.e2el_ms == 3000.0);
  CHECK_FALSE(parse_goodput({}).is_set());
  CHECK_THROWS_WITH(parse_goodput({"itl:5"}), Catch::Contains("unknown metric 'itl'"));
  CHECK_THROWS_WITH(parse_goodput({"ttft"}), Catch::Contains("--goodput 'ttft'"));
  CHECK_THROWS_WITH(parse_goodput({"ttft:fast"}), Catch::Contains("NAME:MILLISECONDS"));
  CHECK_THROWS_WITH(parse_goodput({"ttft:5ms"}), Catch::Contains("NAME:MILLISECONDS"));
  CHECK_THROWS_WITH(parse_goodput({"ttft:-1"}), Catch::Contains("NAME:MILLISECONDS"));
}

TEST_CASE("base URL parsing names --base-url on faults", "[bench]") {
  ServerEndpoint bare = parse_base_url("http://localhost:8000");
  CHECK(bare.origin == "http://localhost:8000");
  CHECK(bare.path_prefix.empty());
  CHECK(parse_base_url("https://api.example.com/openai/v1").path_prefix == "/openai/v1");
  CHECK_THROWS_WITH(parse_base_url("localhost:8000/v1"), Catch::Contains("--base-url"));
  CHECK_THROWS_WITH(parse_base_url("ftp://host/v1"), Catch::Contains("unsupported scheme"));
  CHECK_THROWS_WITH(parse_base_url("http:///v1"), Catch::Contains("no host"));
}
