// The bf16 GEMM's plan (convkit/sbgemm.h), chosen once per process: the AVX512_BF16 kernels
// where the CPU has them and CONVKIT_BF16 is not "emulate", else none (sbgemm then rounds the
// operands and runs the fp32 GEMM). Block sizes follow the fp32 plan's rules, in bytes.
#pragma once
#include <cstdint>

#include "convkit/conv2d.h"

namespace convkit {

// Micro-kernel contract (BLIS style, operands as bf16 pairs along k; kp = pairs):
//   a: A's MR rows, pair (i, q) = (A[i][2q], A[i][2q+1]) at a[2*(i*lda + q)] (lda > 0: rows of
//      pairs, as converted in place, no transpose), or a packed micro-panel kp x MR pairs at
//      a[2*(q*MR + i)] (lda == 0)
//   b: packed B micro-panel, kp x NR pairs, pair (q, j) = (B[2q][j], B[2q+1][j]) at b[2*(q*NR + j)]
//   c: MR x NR tile, row stride ldc; c = alpha * a.b + beta * c, beta == 0 never reads c.
using bf16_gemm_ukernel_fn = void (*)(int64_t kp, const uint16_t* a, int64_t lda, const uint16_t* b, float* c,
                                      int64_t ldc, float alpha, float beta);
// The same product finishing the tile as a conv epilogue does, in registers:
//   c = act((alpha * a.b + beta * c) + bias[j] + res[i*ldc + j]); bias (at the tile's first
//   column) and res (at its first element, row stride ldc) may be null.
using bf16_gemm_ukernel_finish_fn = void (*)(int64_t kp, const uint16_t* a, int64_t lda, const uint16_t* b,
                                             float* c, int64_t ldc, float alpha, float beta, const float* bias,
                                             const float* res, activation act);
// fp32 -> bf16 pairs (as uint32: the first element in the low half), rounded as float_to_bf16.
//   along:  dst[q] = (src[2q], src[2q+1]) for q < ceil(n/2), zero past n.
//   across: dst[j] = (r0[j], r1[j]) for j < n; r1 null reads zeros.
using bf16_pairs_along_fn = void (*)(int64_t n, const float* src, uint32_t* dst);
using bf16_pairs_across_fn = void (*)(int64_t n, const float* r0, const float* r1, uint32_t* dst);
// dst[i] = src[i] rounded to bf16 and widened back to fp32 (bf16_round's values).
using bf16_round_fn = void (*)(int64_t n, const float* src, float* dst);

struct sbgemm_plan {
  bf16_gemm_ukernel_fn ukernel;  // null: no bf16 instructions (emulated through sgemm)
  bf16_gemm_ukernel_finish_fn ukernel_finish;  // set with ukernel
  bf16_pairs_along_fn pairs_along;
  bf16_pairs_across_fn pairs_across;
  bf16_round_fn round;  // null: a plain loop over bf16_round
  int64_t mr, nr;  // register tile
  int64_t mc, kc;  // A block mc x kc (L2); kc even, the B micro-panel kc x nr bf16 (L1)
};

// Filled on first call. CONVKIT_BF16=emulate forces the emulated path (for tests and A/B).
const sbgemm_plan& get_sbgemm_plan();

}  // namespace convkit
