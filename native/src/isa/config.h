// The kernel table: which micro-kernels the fast paths call, filled once per process from
// the active ISA (CPU + OS support, lowered by CONVKIT_ISA) and immutable afterwards.
#pragma once
#include <cstdint>
#include "convkit/isa.h"

namespace convkit {

// Micro-kernel contract (BLIS style), written once:
//   a: packed A micro-panel, kc x MR, element (i, p) at a[p*MR + i]
//   b: packed B micro-panel, kc x NR, element (p, j) at b[p*NR + j]
//   c: MR x NR tile, row stride ldc; c = alpha * a.b + beta * c, and beta == 0 never reads c.
// Full tiles only: the driver routes partial tiles through a scratch tile. kc >= 1.
using f32_gemm_ukernel_fn = void (*)(int64_t kc, const float* a, const float* b, float* c,
                                     int64_t ldc, float alpha, float beta);

struct gemm_config {
  f32_gemm_ukernel_fn ukernel;
  int64_t mr, nr;      // register tile
  int64_t mc, kc, nc;  // cache blocking: A block mc x kc (L2), B block kc x nc (L3)
};

struct kernel_table {
  isa level;
  gemm_config gemm;
};

// Filled on first call (std::call_once); the same object for the life of the process.
const kernel_table& kernels();

// Implemented in isa/cpu.cc.
isa detect_cpu_isa();

}  // namespace convkit
