#pragma once
// The activation tile: up to kTileTokens Q8_0 activation rows repacked so that the tile dot kernels
// (QuantKernels::vec_dot_tile) read, for one 4-element lane of one block, all the tile's tokens with one
// load. Owns only the layout and the packing; computes no dot products; never allocates.
//
// Layout for rows of n elements (nb = n / 32 blocks), tile_bytes = nb * 576:
//   int8_t   qa[nb][8][kTileTokens][4]  the signed quants (lane j = elements 4j..4j+3 of the block): the
//                                       signed side of vpdpbusd, the weights being the unsigned side
//   uint16_t da[nb][kTileTokens]        the blocks' F16 scales, as in the Q8_0 rows
//   int16_t  sa[nb][kTileTokens]        the sum of each block's 32 quants (|sum| <= 32 * 128): the weight
//                                       kernels' offset correction (-128 * sa for Q8_0, -8 * sa for Q4_0)
// A token slot that was never packed holds whatever the buffer held: kernels compute garbage for it and
// must not store it (tokens are independent lanes).
#include <cstddef>
#include <cstdint>

#include "engine/backend/cpu/quant/kernels.h"

namespace edgeserve::quant {

// Bytes of one tile for rows of n elements (n a multiple of 32).
size_t act_tile_bytes(int64_t n);

// Writes token `token` (0 <= token < kTileTokens) of `tile` from that token's Q8_0 row of n elements.
// Touches only that token's bytes, so the tokens of one tile may be packed by different threads.
void pack_act_tile_token(const void* q8_row, int64_t n, int token, void* tile);

}  // namespace edgeserve::quant
