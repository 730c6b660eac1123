// IsaLevel detection and the process-wide override (env EDGESERVE_CPU_ISA, set_isa_level()).
#include "engine/backend/cpu/isa.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace edgeserve::cpu {
namespace {

#if defined(__x86_64__) || defined(__i386__)
// CPUID.1:ECX bit 29. Read directly: clang 14's __builtin_cpu_supports does not know "f16c".
bool has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & (1u << 29)) != 0;
}
#endif

IsaLevel detect() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c();
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl");
  const bool bf16 = avx512 && __builtin_cpu_supports("avx512bf16");
  if (bf16) return IsaLevel::kAvx512Bf16;
  if (avx512) return IsaLevel::kAvx512;
  if (avx2) return IsaLevel::kAvx2;
#endif
  return IsaLevel::kScalar;
}

IsaLevel initial_level() {
  const IsaLevel best = detect();
  const char* env = std::getenv("EDGESERVE_CPU_ISA");
  if (env == nullptr || *env == '\0') return best;
  const std::string name = env;
  IsaLevel wanted = best;
  if (name == "scalar") wanted = IsaLevel::kScalar;
  else if (name == "avx2") wanted = IsaLevel::kAvx2;
  else if (name == "avx512") wanted = IsaLevel::kAvx512;
  else if (name == "avx512bf16") wanted = IsaLevel::kAvx512Bf16;
  else std::fprintf(stderr, "EDGESERVE_CPU_ISA=%s: unknown level (scalar|avx2|avx512|avx512bf16), using %s\n",
                    env, std::string(isa_level_name(best)).c_str());
  return wanted < best ? wanted : best;
}

std::atomic<int>& current() {
  static std::atomic<int> level{static_cast<int>(initial_level())};
  return level;
}

}  // namespace

IsaLevel detected_isa_level() {
  static const IsaLevel level = detect();
  return level;
}

IsaLevel isa_level() { return static_cast<IsaLevel>(current().load(std::memory_order_relaxed)); }

IsaLevel set_isa_level(IsaLevel level) {
  const IsaLevel best = detected_isa_level();
  const IsaLevel chosen = level < best ? level : best;
  current().store(static_cast<int>(chosen));
  return chosen;
}

std::string_view isa_level_name(IsaLevel level) {
  switch (level) {
    case IsaLevel::kScalar: return "scalar";
    case IsaLevel::kAvx2: return "avx2";
    case IsaLevel::kAvx512: return "avx512";
    case IsaLevel::kAvx512Bf16: return "avx512bf16";
  }
  return "?";
}

}  // namespace edgeserve::cpu
