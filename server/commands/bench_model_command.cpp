// `edgeserve bench model [MODEL] [-p 512] [-n 128] [--threads N] [-r 3]`: the engine alone, like llama-bench.
// pp: one prompt of P random tokens prefilled from an empty context (in max_num_batched_tokens chunks);
// tg: N single-token steps from an empty context. Each repeated R times after a warm-up, reported as mean and
// standard deviation of tokens/s, with the model load time and peak RSS. Random token ids: speed does not
// depend on them.
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include <spdlog/spdlog.h>

#include "engine/sequence_runner.h"
#include "server/commands/backend_factory.h"
#include "server/commands/commands.h"
#include "server/commands/model_loading.h"

namespace edgeserve {
namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
  double mean = 0, stddev = 0;
};

Stats stats_of(const std::vector<double>& v) {
  Stats s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (double x : v) s.stddev += (x - s.mean) * (x - s.mean);
  s.stddev = v.size() > 1 ? std::sqrt(s.stddev / static_cast<double>(v.size() - 1)) : 0.0;
  return s;
}

double peak_rss_mib() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

}  // namespace

int run_bench_model(const AppConfig& config, const BenchModelOptions& options) {
  try {
    LoadedModel model = load_model(config);
    const ModelConfig& mc = model.files->config();
    CommandBackend backend = make_backend(config, *model.weights);
    const int64_t context = std::max(options.prompt_tokens, options.gen_tokens) + 1;
    SequenceRunner runner(mc, *model.weights, *backend.backend, context, config.scheduler.max_num_batched_tokens,
                          DType::F16, config.engine.enforce_eager);
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int32_t> token(0, static_cast<int32_t>(mc.vocab_size - 1));
    std::vector<int32_t> prompt(static_cast<size_t>(options.prompt_tokens));

    auto run_pp = [&] {
      for (auto& t : prompt) t = token(rng);
      runner.reset();
      const auto start = Clock::now();
      runner.append(prompt);
      return static_cast<double>(prompt.size()) / std::chrono::duration<double>(Clock::now() - start).count();
    };
    auto run_tg = [&] {
      runner.reset();
      const auto start = Clock::now();
      for (int64_t i = 0; i < options.gen_tokens; ++i) {
        const int32_t t = token(rng);
        runner.append(std::span<const int32_t>(&t, 1));
      }
      return static_cast<double>(options.gen_tokens) / std::chrono::duration<double>(Clock::now() - start).count();
    };
    std::vector<double> pp, tg;
    if (options.prompt_tokens > 0) {
      run_pp();  // warm-up
      for (int r = 0; r < options.repetitions; ++r) pp.push_back(run_pp());
    }
    if (options.gen_tokens > 0) {
      run_tg();
      for (int r = 0; r < options.repetitions; ++r) tg.push_back(run_tg());
    }
    std::printf("model: %s (%s)\nbackend: %s, load: %.3f s, peak RSS: %.0f MiB\n", model.files->path().c_str(),
                model.files->format_description().c_str(), backend.backend->name().c_str(), model.load_seconds,
                peak_rss_mib());
    std::printf("| test | tokens/s | stddev |\n|---|---|---|\n");
    if (!pp.empty()) {
      const Stats s = stats_of(pp);
      std::printf("| pp%lld | %.2f | %.2f |\n", static_cast<long long>(options.prompt_tokens), s.mean, s.stddev);
    }
    if (!tg.empty()) {
      const Stats s = stats_of(tg);
      std::printf("| tg%lld | %.2f | %.2f |\n", static_cast<long long>(options.gen_tokens), s.mean, s.stddev);
    }
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}

}  // namespace edgeserve
