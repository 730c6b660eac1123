#pragma once
// Byte layouts of the ggml block formats the CPU backend reads (weights) or writes (activations).
// Layouts follow ggml's block_* structs; every struct is packed so that a pointer into a GGUF memory map
// (blocks are only 2-byte aligned there) can be read directly. Fields are read by value, never by address.
// The sizes are checked here against the literal ggml sizes and in tests against dtype_info().block_bytes.
#include <cstdint>

namespace edgeserve::quant {

inline constexpr int kQK = 32;     // elements per block of Q4_0 .. Q8_0
inline constexpr int kQK_K = 256;  // elements per K-quant super-block
inline constexpr int kKScaleBytes = 12;

#pragma pack(push, 1)
struct BlockQ4_0 { uint16_t d; uint8_t qs[kQK / 2]; };               // x = d * (q - 8)
struct BlockQ4_1 { uint16_t d; uint16_t m; uint8_t qs[kQK / 2]; };   // x = d * q + m
struct BlockQ5_0 { uint16_t d; uint8_t qh[4]; uint8_t qs[kQK / 2]; };  // x = d * (q - 16), bit 4 in qh
struct BlockQ5_1 { uint16_t d; uint16_t m; uint8_t qh[4]; uint8_t qs[kQK / 2]; };  // x = d * q + m
struct BlockQ8_0 { uint16_t d; int8_t qs[kQK]; };                    // x = d * q
// 8 sub-blocks of 32, 6-bit scale and min each packed in `scales`; x = d*sc*q - dmin*m
struct BlockQ4_K { uint16_t d; uint16_t dmin; uint8_t scales[kKScaleBytes]; uint8_t qs[kQK_K / 2]; };
struct BlockQ5_K {
  uint16_t d; uint16_t dmin; uint8_t scales[kKScaleBytes]; uint8_t qh[kQK_K / 8]; uint8_t qs[kQK_K / 2];
};
// 16 sub-blocks of 16, int8 scale each; x = d * scale * (q - 32)
struct BlockQ6_K { uint8_t ql[kQK_K / 2]; uint8_t qh[kQK_K / 4]; int8_t scales[kQK_K / 16]; uint16_t d; };
// Activations for K-quant dots: F32 scale, and bsums[i] = sum of qs[16*i .. 16*i+15].
struct BlockQ8_K { float d; int8_t qs[kQK_K]; int16_t bsums[kQK_K / 16]; };
#pragma pack(pop)

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// Unpacks the 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K super-block.
inline void get_scale_min_k4(int j, const uint8_t* scales, uint8_t* scale, uint8_t* min) {
  if (j < 4) {
    *scale = scales[j] & 63;
    *min = scales[j + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((scales[j + 4] & 0x0f) | ((scales[j - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));
  }
}

}  // namespace edgeserve::quant
