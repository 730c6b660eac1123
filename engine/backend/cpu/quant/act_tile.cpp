// Packing of Q8_0 activation rows into activation tiles (layout in act_tile.h). Plain byte moves, baseline ISA.
#include "engine/backend/cpu/quant/act_tile.h"

#include <cassert>
#include <cstring>

#include "engine/backend/cpu/quant/blocks.h"

namespace edgeserve::quant {
namespace {

constexpr size_t kLaneBytes = 4;                                          // elements per int32 lane
constexpr size_t kBlockQuantBytes = kQK * static_cast<size_t>(kTileTokens);  // qa bytes per block

}  // namespace

size_t act_tile_bytes(int64_t n) {
  assert(n % kQK == 0);
  const size_t nb = static_cast<size_t>(n / kQK);
  return nb * (kBlockQuantBytes + kTileTokens * sizeof(uint16_t));
}

void pack_act_tile_token(const void* q8_row, int64_t n, int token, void* tile) {
  assert(n % kQK == 0 && token >= 0 && token < kTileTokens);
  const auto* blocks = static_cast<const BlockQ8_0*>(q8_row);
  const int64_t nb = n / kQK;
  auto* qa = static_cast<uint8_t*>(tile);
  auto* da = qa + static_cast<size_t>(nb) * kBlockQuantBytes;
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t* qa_b = qa + static_cast<size_t>(b) * kBlockQuantBytes + static_cast<size_t>(token) * kLaneBytes;
    for (size_t j = 0; j < kQK / kLaneBytes; ++j) {
      uint32_t lane;
      std::memcpy(&lane, blocks[b].qs + j * kLaneBytes, kLaneBytes);
      lane ^= 0x80808080u;  // q + 128 in each byte
      std::memcpy(qa_b + j * kTileTokens * kLaneBytes, &lane, kLaneBytes);
    }
    const uint16_t d = blocks[b].d;
    std::memcpy(da + (static_cast<size_t>(b) * kTileTokens + static_cast<size_t>(token)) * sizeof(uint16_t), &d,
                sizeof d);
  }
}

}  // namespace edgeserve::quant
