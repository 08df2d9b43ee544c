// CPU feature detection: cpuid + xgetbv on x86-64 (the OS must save the vector registers,
// not only the CPU have them), getauxval on aarch64 Linux. No kernel code here.
#include <cstdint>

#include "isa/config.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CONVKIT_X86_CPUID 1
#include <cpuid.h>
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#include <asm/hwcap.h>
#endif

namespace convkit {

#if CONVKIT_X86_CPUID
static uint64_t read_xcr0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}
#endif

isa detect_cpu_isa() {
#if CONVKIT_X86_CPUID
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return isa::scalar;
  const bool osxsave = ecx & (1u << 27);
  const bool fma = ecx & (1u << 12);
  const bool avx = ecx & (1u << 28);
  if (!osxsave || !avx) return isa::scalar;
  const uint64_t xcr0 = read_xcr0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;    // SSE + AVX state
  const bool os_zmm = (xcr0 & 0xe6) == 0xe6;  // + opmask, ZMM_Hi256, Hi16_ZMM
  if (!os_ymm) return isa::scalar;
  unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf < 7) return isa::scalar;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  const bool avx2 = ebx & (1u << 5);
  const bool avx512f = ebx & (1u << 16);
  const bool avx512dq = ebx & (1u << 17);
  const bool avx512bw = ebx & (1u << 30);
  const bool avx512vl = ebx & (1u << 31);
  if (os_zmm && avx512f && avx512dq && avx512bw && avx512vl && avx2 && fma) return isa::avx512;
  if (avx2 && fma) return isa::avx2;
  return isa::scalar;
#elif defined(__aarch64__)
#if defined(__linux__)
  return (getauxval(AT_HWCAP) & HWCAP_ASIMD) ? isa::neon : isa::scalar;
#else
  return isa::neon;  // Advanced SIMD is mandatory on AArch64
#endif
#else
  return isa::scalar;
#endif
}

// An AVX-512 extension's bit of cpuid leaf 7 (subleaf 0 or 1; register eax or ecx), only
// where the AVX-512 level itself runs (CPU and OS).
bool avx512_extension(unsigned subleaf, bool in_ecx, unsigned bit) {
#if CONVKIT_X86_CPUID
  if (detect_cpu_isa() != isa::avx512) return false;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  unsigned eax, ebx, ecx, edx;
  __cpuid_count(7, subleaf, eax, ebx, ecx, edx);
  return ((in_ecx ? ecx : eax) >> bit) & 1u;
#else
  (void)subleaf, (void)in_ecx, (void)bit;
  return false;
#endif
}

bool detect_cpu_avx512_vnni() { return avx512_extension(0, true, 11); }  // AVX512_VNNI: vpdpbusd

bool detect_cpu_avx512_bf16() { return avx512_extension(1, false, 5); }  // AVX512_BF16: vcvtne2ps2bf16, vdpbf16ps

}  // namespace convkit
