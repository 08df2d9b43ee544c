// The GEMM's own plan, chosen once per process: the micro-kernel and GEMV kernels of the
// active ISA (convkit/isa.h) and block sizes derived from the cache sizes this machine reports.
#pragma once
#include <cstdint>

#include "convkit/conv2d.h"  // activation, of the finishing kernel
#include "convkit/isa.h"

namespace convkit {

// Micro-kernel contract (BLIS style), written once:
//   a: packed A micro-panel, kc x MR, element (i, p) at a[p*MR + i]
//   b: packed B micro-panel, kc x NR, element (p, j) at b[p*NR + j]
//   c: MR x NR tile, row stride ldc; c = alpha * a.b + beta * c, and beta == 0 never reads c.
// Full tiles only: the driver routes partial tiles through a scratch tile. kc >= 1.
using f32_gemm_ukernel_fn = void (*)(int64_t kc, const float* a, const float* b, float* c,
                                     int64_t ldc, float alpha, float beta);

// The same product with A read in place (not packed): element (i, p) at a[i*lda + p] for
// i < m_eff (1..MR); the rows from m_eff on read row 0 again (their sums are not stored: a
// partial tile goes through the scratch tile). For the GEMMs whose A is read by few B panels
// (a 1x1 NHWC conv with few output channels), where packing A would cost as much as the FMAs.
using f32_gemm_ukernel_rows_fn = void (*)(int64_t kc, const float* a, int64_t lda, int64_t m_eff,
                                          const float* b, float* c, int64_t ldc, float alpha, float beta);

// And with B read in place: element (p, j) at b[p*ldb + j] for j < n_eff (1..NR); columns from
// n_eff on are not read (their sums are 0 and not stored). For GEMMs with few rows of A (a 1x1
// NCHW conv with few output channels), whose B would be packed for as few reuses.
using f32_gemm_ukernel_cols_fn = void (*)(int64_t kc, const float* a, const float* b, int64_t ldb, int64_t n_eff,
                                          float* c, int64_t ldc, float alpha, float beta);

// Edge tiles of the A-in-place product (A as ukernel_rows reads it, B a packed NR-wide panel):
// C[0:m_eff, 0:n_eff] = act((alpha * A.B + beta * C) + bias[j] + res[i*ldc + j]) stored straight
// into C (no scratch tile, nothing outside the m_eff x n_eff block read or written; bias and res
// may be null, act none: the plain product), m_eff <= 2 * MR when n_eff <= NR / 2 (the rows of an
// empty half's width, on twice the rows), else m_eff <= MR. An ISA with this kernel has
// ukernel_finish too (the GEMM then finishes every tile in registers).
using f32_gemm_ukernel_edge_fn = void (*)(int64_t kc, const float* a, int64_t lda, int64_t m_eff, const float* b,
                                          int64_t n_eff, float* c, int64_t ldc, float alpha, float beta,
                                          const float* bias, const float* res, activation act);

// A full tile finished as a conv epilogue does (convkit/gemm.h, gemm_epilogue), in registers:
//   c = act((alpha * a.b + beta * c) + bias[j] + res[i*ldc + j]), bias and res may be null;
// A packed as ukernel reads it (lda 0) or MR rows in place as ukernel_rows (lda > 0).
using f32_gemm_ukernel_finish_fn = void (*)(int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                                            int64_t ldc, float alpha, float beta, const float* bias,
                                            const float* res, activation act);

// GEMV kernel contract, m in {1, 2} (x rows), no alpha/beta (the driver applies them):
//   nn: y[r*ldy + j] = sum_p x[r*k + p] * b[p*ldb + j]   (b is [k, n], rows streamed)
//   nt: y[r*ldy + j] = sum_p x[r*k + p] * b[j*ldb + p]   (b is [n, k], dot products)
// x is [m][k] contiguous; n, k >= 1. Reads nothing past b's last row/column.
using f32_gemv_ukernel_fn = void (*)(int64_t m, int64_t n, int64_t k, const float* x,
                                     const float* b, int64_t ldb, float* y, int64_t ldy);

// Transposing pack of 8 rows: dst[p*ldd + i] = src[i*ld + p] for i < 8, p < kc. Packs full
// MR = 8 panels of A (ldd = 8) and full NR panels of B^T (NR / 8 calls, ldd = NR).
using f32_pack_t8_fn = void (*)(int64_t kc, const float* src, int64_t ld, float* dst, int64_t ldd);

struct cache_sizes {
  int64_t l1d, l2, l3;  // bytes, per core for l1d/l2, per socket (as reported) for l3
};

struct gemm_plan {
  f32_gemm_ukernel_fn ukernel;
  f32_gemm_ukernel_rows_fn ukernel_rows;  // null where the ISA has none (then A is packed)
  f32_gemm_ukernel_cols_fn ukernel_cols;  // null where the ISA has none (then B is packed)
  f32_gemm_ukernel_edge_fn ukernel_edge;  // null where the ISA has none (then the scratch tile)
  f32_gemm_ukernel_finish_fn ukernel_finish;  // null where the ISA has none (then epilogue_rows per tile)
  int64_t mr, nr;      // register tile
  int64_t mc, kc, nc;  // A block mc x kc (L2), B block kc x nc (L3), B micro-panel kc x nr (L1)
  f32_gemv_ukernel_fn gemv_nn, gemv_nt;
  f32_pack_t8_fn pack_t8;  // null where the ISA has none (then packing is element-wise)
  cache_sizes caches;
};

// Filled on first call; CONVKIT_GEMM_BLOCKS="mc,kc,nc" overrides the blocks (for tuning).
const gemm_plan& get_gemm_plan();

// L1d / L2 / L3 sizes: sysconf(_SC_LEVEL*_CACHE_SIZE), else /sys/devices/system/cpu/cpu0/cache,
// else 32 KiB / 512 KiB / 8 MiB.
cache_sizes detect_cache_sizes();

}  // namespace convkit
