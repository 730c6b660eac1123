#pragma once
// Scalar F16 / BF16 <-> F32 conversions (IEEE binary16, bfloat16 = upper half of binary32). Exact for
// widening; narrowing rounds to nearest even. Used by scalar kernels, KV storage and tests.
#include <cstdint>
#include <cstring>

namespace edgeserve::cpu {

inline float bf16_to_f32(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline uint16_t f32_to_bf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);  // quiet NaN
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

inline float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // inf / nan
  } else if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int shift = 0;
      while ((mantissa & 0x400u) == 0) {
        mantissa <<= 1;
        ++shift;
      }
      mantissa &= 0x3ffu;
      bits = sign | ((113u - shift) << 23) | (mantissa << 13);
    }
  } else {
    bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline uint16_t f32_to_f16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00u;            // nan
  if (abs >= 0x477ff000u) return sign | 0x7c00u;           // overflow (rounds to >= 65520) -> inf
  if (abs < 0x33000001u) return sign;                      // rounds to zero
  int32_t exponent = static_cast<int32_t>(abs >> 23) - 127 + 15;
  uint32_t mantissa = (abs & 0x7fffffu) | 0x800000u;
  int32_t shift = 13;
  if (exponent <= 0) {  // subnormal result
    shift += 1 - exponent;
    exponent = 0;
  }
  uint32_t half_mantissa = mantissa >> shift;
  const uint32_t remainder = mantissa & ((1u << shift) - 1);
  const uint32_t halfway = 1u << (shift - 1);
  if (remainder > halfway || (remainder == halfway && (half_mantissa & 1u))) ++half_mantissa;
  uint32_t result = (exponent == 0) ? half_mantissa
                                    : ((static_cast<uint32_t>(exponent) << 10) + (half_mantissa - 0x400u));
  return static_cast<uint16_t>(sign | result);  // a mantissa carry rolls into the exponent correctly
}

}  // namespace edgeserve::cpu
