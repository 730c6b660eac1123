#pragma once
// Row dequantizers: dtype -> function widening one row of that dtype to F32. embedding() uses them for
// tables kept in a quantized file format (a GGUF token_embd in Q4_1 / Q8_0 / ...); F32/F16/BF16 are built in.
// Quantized formats plug in with register_row_dequantizer (es_quant); this file knows no quantized layout.
#include <cstdint>

#include "engine/tensor.h"

namespace edgeserve::cpu {

// Writes row_elements F32 values decoded from `row` (row_nbytes(dtype, row_elements) bytes).
using RowDequantizer = void (*)(const uint8_t* row, int64_t row_elements, float* out);

// The dequantizer for `dtype`, or null when none is known.
RowDequantizer find_row_dequantizer(DType dtype);
// Adds (or replaces) the dequantizer of a dtype. Call at start-up, before any prepare_weight / embedding.
void register_row_dequantizer(DType dtype, RowDequantizer fn);

}  // namespace edgeserve::cpu
