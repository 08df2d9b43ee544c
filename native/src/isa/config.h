// Internal side of isa.h: the CPU probe. The active level (CPU + OS support, lowered by
// CONVKIT_ISA) is chosen once in config.cc; each kernel family picks its variants from it
// (the GEMM in configs/gemm-config.cc).
#pragma once
#include "convkit/isa.h"

namespace convkit {

// Implemented in isa/cpu.cc.
isa detect_cpu_isa();
// Whether the CPU (and OS) run AVX512_BF16 (implies detect_cpu_isa() == avx512).
bool detect_cpu_avx512_bf16();
// Whether the CPU (and OS) run AVX512_VNNI (implies detect_cpu_isa() == avx512).
bool detect_cpu_avx512_vnni();

}  // namespace convkit
