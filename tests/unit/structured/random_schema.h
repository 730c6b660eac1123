#pragma once
// Seeded generator of random JSON Schemas inside the subset the structured-output compiler supports, for the
// property test. Lengths and item counts are mostly bounded so that uniformly random token choices end in a
// few hundred steps. Test code only.
#include <random>

#include <nlohmann/json.hpp>

namespace edgeserve::structured::test {

nlohmann::ordered_json random_schema(std::mt19937_64& rng);

}  // namespace edgeserve::structured::test
