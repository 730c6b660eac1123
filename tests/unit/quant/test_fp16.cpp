// F16/BF16 conversions: exhaustive round trip over all halves (IEEE: every half is exact in F32), and
// F32 -> F16 against the CPU's own vcvtps2ph (F16C, round-to-nearest-even) on a sweep of F32 bit patterns.
// Against numpy/gguf-py the conversions are checked in test_quantize.cpp (f16/bf16 fixtures).
#include <catch2/catch.hpp>

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>

#include "engine/backend/cpu/quant/fp16.h"

using namespace edgeserve::quant;

namespace {

uint32_t bits_of(float f) { uint32_t b; std::memcpy(&b, &f, 4); return b; }
float from_bits(uint32_t b) { float f; std::memcpy(&f, &b, 4); return f; }

__attribute__((target("f16c"))) uint16_t hardware_fp32_to_fp16(float f) {
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}
__attribute__((target("f16c"))) float hardware_fp16_to_fp32(uint16_t h) { return _cvtsh_ss(h); }

}  // namespace

TEST_CASE("every half survives F16 -> F32 -> F16, NaN stays NaN", "[quant][fp16]") {
  int mismatches = 0;
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = fp16_to_fp32(static_cast<uint16_t>(h));
    const bool is_nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
    if (is_nan) {
      if (!std::isnan(f) || !std::isnan(fp16_to_fp32(fp32_to_fp16(f)))) ++mismatches;
    } else if (fp32_to_fp16(f) != h) {
      ++mismatches;
    }
  }
  CHECK(mismatches == 0);
  CHECK(fp16_to_fp32(0x3c00) == 1.0f);
  CHECK(fp16_to_fp32(0x0001) == std::ldexp(1.0f, -24));
  CHECK(fp16_to_fp32(0x7bff) == 65504.0f);
}

TEST_CASE("F32 <-> F16 equals the CPU's F16C conversion", "[quant][fp16]") {
  if (!__builtin_cpu_supports("f16c")) {
    FAIL("this CPU has no F16C: the hardware reference for this test is missing");
  }
  int mismatches = 0;
  uint32_t first_bad = 0;
  // every 97th F32 bit pattern (covers all exponents and many mantissas), NaNs excluded
  for (uint64_t b = 0; b <= 0xffffffffull; b += 97) {
    const float f = from_bits(static_cast<uint32_t>(b));
    if (std::isnan(f)) continue;
    if (fp32_to_fp16(f) != hardware_fp32_to_fp16(f)) {
      if (mismatches++ == 0) first_bad = static_cast<uint32_t>(b);
    }
  }
  INFO("first mismatching F32 bits 0x" << std::hex << first_bad);
  CHECK(mismatches == 0);
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0) continue;
    if (bits_of(fp16_to_fp32(static_cast<uint16_t>(h))) != bits_of(hardware_fp16_to_fp32(static_cast<uint16_t>(h)))) {
      ++mismatches;
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("BF16 conversion rounds to nearest even and keeps NaN quiet", "[quant][fp16]") {
  // reference: the definition of bfloat16 (upper half of the F32 bits) and ggml_compute_fp32_to_bf16
  CHECK(fp32_to_bf16(from_bits(0x3f808000)) == 0x3f80);  // tie, kept lsb even: down
  CHECK(fp32_to_bf16(from_bits(0x3f818000)) == 0x3f82);  // tie, kept lsb odd: up
  CHECK(fp32_to_bf16(from_bits(0x3f808001)) == 0x3f81);  // above the tie: up
  CHECK(fp32_to_bf16(from_bits(0x7f7fffff)) == 0x7f80);  // rounds to inf
  CHECK(fp32_to_bf16(from_bits(0x7f800001)) == 0x7fc0);  // signalling NaN -> quiet
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7f80) == 0x7f80 && (h & 0x7f) != 0) continue;
    REQUIRE(fp32_to_bf16(bf16_to_fp32(static_cast<uint16_t>(h))) == h);
  }
}
