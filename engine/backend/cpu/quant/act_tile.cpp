// Packing of Q8_0 activation rows into activation tiles (layout in act_tile.h). Plain byte moves, baseline ISA.
#include "engine/backend/cpu/quant/act_tile.h"

#include <cassert>
#include <cstring>

#include "engine/backend/cpu/quant/blocks.h"

namespace edgeserve::quant {
namespace {

constexpr size_t kLaneBytes = 4;                                             // elements per int32 lane
constexpr size_t kBlockQuantBytes = kQK * static_cast<size_t>(kTileTokens);  // qa bytes per block
constexpr size_t kBlockTermBytes = kTileTokens * sizeof(uint16_t);           // da (or sa) bytes per block

}  // namespace

size_t act_tile_bytes(int64_t n) {
  assert(n % kQK == 0);
  const size_t nb = static_cast<size_t>(n / kQK);
  return nb * (kBlockQuantBytes + 2 * kBlockTermBytes);
}

void pack_act_tile_token(const void* q8_row, int64_t n, int token, void* tile) {
  assert(n % kQK == 0 && token >= 0 && token < kTileTokens);
  const auto* blocks = static_cast<const BlockQ8_0*>(q8_row);
  const size_t nb = static_cast<size_t>(n / kQK);
  auto* qa = static_cast<uint8_t*>(tile);
  uint8_t* da = qa + nb * kBlockQuantBytes;
  uint8_t* sa = da + nb * kBlockTermBytes;
  const size_t term_offset = static_cast<size_t>(token) * sizeof(uint16_t);
  for (size_t b = 0; b < nb; ++b) {
    uint8_t* qa_b = qa + b * kBlockQuantBytes + static_cast<size_t>(token) * kLaneBytes;
    for (size_t j = 0; j < kQK / kLaneBytes; ++j)
      std::memcpy(qa_b + j * kTileTokens * kLaneBytes, blocks[b].qs + j * kLaneBytes, kLaneBytes);
    int sum = 0;
    for (int8_t q : blocks[b].qs) sum += q;
    const auto sum16 = static_cast<int16_t>(sum);
    std::memcpy(da + b * kBlockTermBytes + term_offset, &blocks[b].d, sizeof(uint16_t));
    std::memcpy(sa + b * kBlockTermBytes + term_offset, &sum16, sizeof sum16);
  }
}

}  // namespace edgeserve::quant
