// --device resolution and the Backend the commands build (server/commands/backend_factory.h), on the tiny
// random Qwen3 checkpoint of tests/fixtures/golden. The reference for the device choice is cuda_available()
// (whether this build has CUDA and a GPU answers), so the cases hold with and without a GPU; the weight
// bytes are worked out from the model's config.json sizes.
#include <catch2/catch.hpp>

#include <filesystem>

#include "engine/model/weight_conversion.h"
#include "engine/model_files.h"
#include "server/commands/backend_factory.h"
#include "server/commands/cuda_plugin_loader.h"
#include "tests/test_paths.h"

using namespace edgeserve;

namespace {

struct TinyQwen3 {
  ModelFiles files = ModelFiles::open(test::fixtures_dir() + "/golden/qwen3-tied");
  ModelWeights weights = map_model_weights(files);
};

AppConfig config_for(const std::string& device) {
  AppConfig c;
  c.engine.device = device;
  c.engine.num_threads = 1;
  return c;
}

}  // namespace

TEST_CASE("backend factory: --device cpu builds a configured CpuBackend", "[server][device]") {
  TinyQwen3 model;
  CHECK(resolve_device("cpu", model.weights) == Device::kCpu);
  CommandBackend b = make_backend(config_for("cpu"), model.weights);
  REQUIRE(b.backend != nullptr);
  CHECK(b.device == Device::kCpu);
  CHECK(b.cpu == b.backend.get());
  CHECK(b.cpu->num_threads() == 1);
  CHECK(b.backend->name().rfind("cpu(", 0) == 0);
  CHECK(std::string(device_name(b.device)) == "cpu");
}

TEST_CASE("backend factory: --device auto is cuda exactly when a GPU answers", "[server][device]") {
  TinyQwen3 model;   // F32 weights: the CUDA backend has kernels for all of them
  std::string why;
  const bool has_cuda = cuda_available(&why);
  if (!has_cuda) CHECK_FALSE(why.empty());
  CHECK(resolve_device("auto", model.weights) == (has_cuda ? Device::kCuda : Device::kCpu));
  CommandBackend b = make_backend(config_for("auto"), model.weights);
  CHECK(b.device == (has_cuda ? Device::kCuda : Device::kCpu));
  CHECK((b.cpu != nullptr) == !has_cuda);
}

TEST_CASE("backend factory: --device cuda without CUDA is a startup error naming the reason", "[server][device]") {
  TinyQwen3 model;
  std::string why;
  if (cuda_available(&why)) {
    CHECK(resolve_device("cuda", model.weights) == Device::kCuda);
  } else {
    CHECK_THROWS_WITH(resolve_device("cuda", model.weights), Catch::StartsWith("--device cuda: ") && Catch::Contains(why));
    CHECK_THROWS_WITH(make_backend(config_for("cuda"), model.weights), Catch::StartsWith("--device cuda: "));
  }
}

TEST_CASE("backend factory: weights without CUDA kernels run on the CPU under auto, fail under cuda", "[server][device]") {
  TinyQwen3 model;
  ConvertedWeights converted;
  REQUIRE(converted.convert(model.weights, DType::Q4_0) > 0);   // Q4_0 matrices: no CUDA kernel
  CHECK(resolve_device("auto", model.weights) == Device::kCpu);
  std::string why;
  if (cuda_available(&why))
    CHECK_THROWS_WITH(resolve_device("cuda", model.weights),
                      Catch::StartsWith("--device cuda: tensor '") && Catch::Contains("Q4_0") && Catch::Contains("no CUDA kernel"));
  else
    CHECK_THROWS_WITH(resolve_device("cuda", model.weights), Catch::StartsWith("--device cuda: "));
}

TEST_CASE("backend factory: device weight bytes count 1-D weights as F32 and a tied lm_head once", "[server][device]") {
  TinyQwen3 model;
  const ModelConfig& c = model.files.config();
  REQUIRE(model.weights.lm_head == model.weights.embed_tokens);
  const int64_t h = c.hidden_size, q = c.num_attention_heads * c.head_dim, kv = c.num_key_value_heads * c.head_dim;
  const int64_t per_layer = 2 * h              // attention and MLP norms
                            + q * h + 2 * kv * h + h * q   // q, k, v, o projections
                            + 2 * c.head_dim     // q_norm, k_norm
                            + 3 * c.intermediate_size * h;   // gate, up, down
  const int64_t elements = c.vocab_size * h + c.num_hidden_layers * per_layer + h;   // + embedding, final norm
  CHECK(device_weight_bytes(model.weights) == 4 * elements);   // every tensor of this checkpoint is F32

  ConvertedWeights converted;
  converted.convert(model.weights, DType::BF16);   // matrices halve, norms stay (and count as F32)
  const int64_t norms = c.num_hidden_layers * (2 * h + 2 * c.head_dim) + h;
  CHECK(device_weight_bytes(model.weights) == 2 * (elements - norms) + 4 * norms);
}

TEST_CASE("backend factory: the device KV budget leaves CPU options alone", "[server][device]") {
  TinyQwen3 model;
  AppConfig config = config_for("cpu");
  CommandBackend b = make_backend(config, model.weights);
  EngineOptions options;
  fit_kv_cache_to_device(config, model.weights, b, options);
  CHECK(options.kv_cache_memory == 0);   // the CPU's own default (a quarter of RAM) applies later
  CHECK(options.num_kv_blocks == 0);
}

TEST_CASE("CUDA plugin: the build's libedgeserve_cuda.so loads and answers, or is absent from a CPU-only build",
          "[server][device]") {
  // Reference: the plugin file the build writes (EDGESERVE_CUDA_PLUGIN_BUILD_PATH) when nvcc exists. Loading
  // it directly skips the /dev/nvidiactl check, so dlopen, the entry point, the ABI check and a call into the
  // CUDA runtime are exercised on machines without a GPU too.
  const std::string path = EDGESERVE_CUDA_PLUGIN_BUILD_PATH;
  std::string why;
  const cuda::PluginApi* plugin = load_cuda_plugin_file(path, &why);
  if (!std::filesystem::exists(path)) {
    CHECK(plugin == nullptr);
    CHECK_THAT(why, Catch::StartsWith(path + ": "));
    WARN("no CUDA plugin in this build (" << path << "): only the failure path was checked");
    return;
  }
  REQUIRE(plugin != nullptr);
  CHECK(plugin->abi_version == cuda::kPluginAbiVersion);
  std::string no_device;
  const bool has_device = plugin->device_available(&no_device);
  CHECK(has_device == no_device.empty());
  CHECK_THAT(plugin->device_report(), Catch::StartsWith("CUDA plugin loaded (runtime "));
  TinyQwen3 model;
  CHECK(plugin->supports_weight(*model.weights.layers[0].q_proj));  // F32: cuBLAS
  // the same file loaded again is the same library (dlopen reference-counts it)
  CHECK(load_cuda_plugin_file(path, nullptr) == plugin);
}

TEST_CASE("CUDA plugin: a file that is not a plugin is refused with the reason", "[server][device]") {
  std::string why;
  const std::string not_a_library = test::source_dir() + "/README.md";
  CHECK(load_cuda_plugin_file(not_a_library, &why) == nullptr);
  CHECK_THAT(why, Catch::StartsWith(not_a_library + ": "));
  CHECK(load_cuda_plugin_file(test::source_dir() + "/no-such-plugin.so", &why) == nullptr);
  CHECK_THAT(why, Catch::Contains("no-such-plugin.so"));
}
