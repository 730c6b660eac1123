// Device discovery against the CUDA runtime itself.
#include <catch2/catch.hpp>

#include "engine/backend/cuda/device_info.h"

TEST_CASE("cuda: visible devices report sane properties", "[cuda]") {
  std::string why;
  auto devices = edgeserve::cuda::list_devices(&why);
  REQUIRE_FALSE(devices.empty());
  for (const auto& d : devices) {
    CHECK_FALSE(d.name.empty());
    CHECK(d.compute_capability_major >= 7);
    CHECK(d.total_memory_bytes > (int64_t{1} << 30));
    CHECK(d.multiprocessor_count > 0);
  }
}
