// The int8 GEMM's plan (convkit/qgemm.h), chosen once per process: the AVX512_VNNI kernels
// where the CPU has them at the active level (CONVKIT_ISA lowers it; CONVKIT_INT8=emulate
// forces the portable ones), else the portable integer loops. Both give the same bits.
#pragma once
#include <cstdint>

#include "convkit/conv2d.h"  // activation, of the epilogue the VNNI kernel finishes in registers

namespace convkit {

// Operand forms, shared by every kernel:
//   A: rows of kq bytes (kq = K rounded up to a multiple of 4), u8 = qa + 128, the pad bytes 128;
//   B: panels of 32 columns, kq x 32 s8 each: qb[p][j] at panel[(p / 4) * 128 + j * 4 + p % 4],
//      zero past K and past N.
// Tile: C[0:m_eff, 0:n_eff] (m_eff <= mr, n_eff <= 32; nothing else written) finished from
//   acc_ij = sum_p a[i * lda + p] * panel(p, j)   (int32; a's rows at stride lda bytes)
//   q_ij = acc_ij - colsum128[j]                  (colsum128[j] = 128 * sum_p qb[p][j])
//   d = fl(float(q) * scale[j]), c = fl(alpha * d), then fl(c + fl(beta * c_old)) if beta != 0;
// then, where the plan fuses the epilogue (fused_epilogue), conv2d's: c = act(c + bias[j] +
// res[i * ldc + j]) as f32_conv2d_epilogue does it (bias, res null: not added). Kernels
// without it take bias = res = null and act = none.
using s8_gemm_ukernel_fn = void (*)(int64_t kq, const uint8_t* a, int64_t lda, int64_t m_eff, const int8_t* b,
                                    int64_t n_eff, const float* scale, const int32_t* colsum128, float* c,
                                    int64_t ldc, float alpha, float beta, const float* bias, const float* res,
                                    activation act);
// dst[i] = clamp(rne(fl(src[i] / s[i or 0])), -127, 127) + offset, as a byte, for i < n: one scale
// s[0] (per_element false) or s[i] (true); a scale of 0 gives 0 + offset. offset 0 (s8) or 128 (u8).
using s8_quantize_fn = void (*)(int64_t n, const float* src, const float* s, bool per_element, int offset,
                                uint8_t* dst);
// max |src[i]| over i < n (0 for n == 0), NaN when any src[i] is NaN or infinite.
using f32_absmax_fn = float (*)(int64_t n, const float* src);
// The same per column of a k x cols block (cols <= 32, row stride ld): mx[j] for j < cols.
using f32_absmax_cols_fn = void (*)(int64_t k, int64_t cols, const float* src, int64_t ld, float* mx);
// One B panel from a k x cols block of op(B) read by rows (cols <= 32, row stride ld): column j
// quantized with s[j] as s8_quantize does, written as the panel form (kq rows, zero past k and
// cols), and colsum128[j] = 128 * sum_p qb[p][j] (0 past cols).
using s8_pack_panel_fn = void (*)(int64_t k, int64_t cols, const float* src, int64_t ld, const float* s,
                                  int8_t* panel, int32_t* colsum128);

struct qgemm_plan {
  s8_gemm_ukernel_fn ukernel;
  s8_quantize_fn quantize;
  f32_absmax_fn absmax;
  f32_absmax_cols_fn absmax_cols;
  s8_pack_panel_fn pack_panel;
  int64_t mr;   // rows of a tile (the panel width is 32 for every kernel)
  bool native;  // int8 dot-product instructions
  bool fused_epilogue;  // the kernel finishes conv2d's epilogue in registers
};

const qgemm_plan& get_qgemm_plan();

}  // namespace convkit
