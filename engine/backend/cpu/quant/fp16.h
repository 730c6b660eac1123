#pragma once
// Bit-exact scalar conversions between F32 and the two 16-bit float formats (IEEE half, bfloat16).
// F32 -> F16 and F32 -> BF16 round to nearest even, exactly like numpy's astype(float16) and gguf-py's
// BF16 quantizer (ggml_compute_fp32_to_bf16). Portable C++: no F16C here; SIMD files convert on their own.
#include <bit>
#include <cstdint>

namespace edgeserve::quant {

// Exact: every half is representable in F32.
inline float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {
    // zero or subnormal: mantissa * 2^-24 is exact in F32
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return std::bit_cast<float>(sign | std::bit_cast<uint32_t>(magnitude));
  }
  if (exponent == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

// Round to nearest even; overflow gives +-inf; NaN stays a quiet NaN.
inline uint16_t fp32_to_fp16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((magnitude >> 13) & 0x3ffu));
  if (magnitude >= 0x47800000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65536 (and inf)
  if (magnitude >= 0x38800000u) {
    // normal half: add half an ulp (minus one when the kept lsb is even) and drop 13 bits; a carry into the
    // exponent is the correct rounding up, and 65520..65535 carries into 0x7c00 (inf) as numpy does
    const uint32_t rounded = magnitude + 0xfffu + ((magnitude >> 13) & 1u);
    return static_cast<uint16_t>(sign | ((rounded - (112u << 23)) >> 13));
  }
  // subnormal half (or zero): adding 0.5f makes the FPU round to a multiple of 2^-24 (the ulp of 0.5f),
  // nearest even under the default rounding mode; the low mantissa bits are then the half's bits
  const float shifted = std::bit_cast<float>(magnitude) + 0.5f;
  return static_cast<uint16_t>(sign | (std::bit_cast<uint32_t>(shifted) - 0x3f000000u));
}

inline float bf16_to_fp32(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

// Same as gguf-py BF16.quantize_blocks: NaN forced quiet, else round to nearest even.
inline uint16_t fp32_to_bf16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>(((bits & 0xffff0000u) | 0x00400000u) >> 16);
  return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

}  // namespace edgeserve::quant
