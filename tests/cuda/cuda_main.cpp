// Main of the [cuda] test binary: without a visible GPU it prints why and exits 77, which ctest reports
// as SKIPPED (Catch2 v2 has no SKIP()). With a GPU it runs every test case.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>

#include "engine/backend/cuda/device_info.h"

int main(int argc, char** argv) {
  std::string why;
  if (edgeserve::cuda::list_devices(&why).empty()) {
    std::printf("SKIP: no CUDA device (%s); the [cuda] tests need a GPU\n", why.c_str());
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
