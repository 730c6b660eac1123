#pragma once
// IsaLevel: which SIMD path the CPU backend's kernels take. Detected once from the CPU
// (__builtin_cpu_supports); EDGESERVE_CPU_ISA=scalar|avx2|avx512|avx512bf16 or set_isa_level() lower it
// (for tests and comparisons). A level the CPU lacks is never selected: requests are clamped to the best
// supported level. Owns only that process-wide setting; must not hold kernels.
#include <string_view>

namespace edgeserve::cpu {

enum class IsaLevel { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kAvx512Bf16 = 3 };

IsaLevel detected_isa_level();  // best level this CPU runs (AVX2 needs FMA+F16C; AVX-512 needs F+BW+VL)
IsaLevel isa_level();            // the level kernels use now
// Sets the level used from now on, clamped to detected_isa_level(); returns the level actually set.
IsaLevel set_isa_level(IsaLevel level);
std::string_view isa_level_name(IsaLevel level);

}  // namespace edgeserve::cpu
