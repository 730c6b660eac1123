#pragma once
// The bridge from the GGUF block formats (engine/backend/cpu/quant, es_quant) to CpuBackend::linear and
// embedding: for each quantized weight dtype, a LinearKernel that quantizes the activations once per call
// (Q8_0 blocks, Q8_K for K-quants) and runs quant's integer dot products, and a row dequantizer.
// The quant kernels pick their own ISA level (EDGESERVE_CPU_ISA caps both).

namespace edgeserve::cpu {

// Registers the kernels once per process (thread-safe, idempotent). CpuBackend's constructor calls it.
void register_quant_kernels();

}  // namespace edgeserve::cpu
