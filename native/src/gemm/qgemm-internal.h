// The pieces of the int8 GEMM (gemm/qgemm.cc) that the int8 convolution reuses
// (conv2d/conv2d-int8.cc): the quantization of each operand and the tiles of the kernel.
// The arithmetic is convkit/qgemm.h's.
#pragma once
#include <cstdint>

#include "convkit/conv2d.h"  // activation
#include "util/workspace.h"

namespace convkit::qgemm_detail {

constexpr int64_t kPanel = 32;  // columns of a B panel (every kernel's width)

// K rounded up to whole quads of bytes (vpdpbusd's 4 products a lane): an A row's, a panel's depth.
inline int64_t quads(int64_t k) { return (k + 3) / 4 * 4; }

// max(a, b), NaN when either is NaN (a flagged operand stays flagged).
inline float max_or_nan(float a, float b) { return a != a || b != b ? a + b : (a > b ? a : b); }

// fl(max / 127), or NaN for a NaN max (a NaN or infinity in the operand).
float scale_of(float max);

// op(B) [K,N] quantized per column into panels (configs/qgemm-config.h), in `space`.
struct quantized_b {
  int64_t n, kq;
  int8_t* panels;      // ceil(n / 32) panels of kq * 32 bytes
  float* scale;        // per column (0 past n): fl(sb_j), NaN for a flagged column
  int32_t* colsum128;  // per column (0 past n)
};
// op(B) stored [N,K] (trans_b: column j is row j, at stride ldb) or [K,N] (read by rows).
quantized_b quantize_b(bool trans_b, int64_t n, int64_t k, const float* b, int64_t ldb, workspace& space);
// The same into `space` (quantized_b_floats(n, k) floats, 64-byte aligned for speed), for B
// quantized once and kept (prepacked weights); quantized_b_at reads such a block back.
int64_t quantized_b_floats(int64_t n, int64_t k);
quantized_b quantize_b_into(bool trans_b, int64_t n, int64_t k, const float* b, int64_t ldb, float* space);
quantized_b quantized_b_at(int64_t n, int64_t k, const float* space);

// max |x[i]| over i < n, NaN when any is NaN or infinite (across the threads for large n).
float absmax(int64_t n, const float* x);

// dst[i] = quantized src[i] + offset as a byte (s8_quantize_fn), i < n; s 0 for a NaN scale.
void quantize(int64_t n, const float* src, float s, int offset, uint8_t* dst);

// C[M, N] (row stride ldc) from A's u8 rows (m rows of b.kq bytes at stride lda) and B,
// dequantized with dq[j] = fl(sa * sb_j) (N rounded up to 32 entries), alpha and beta as qgemm;
// then, only where the plan fuses it (epilogue_fused()), conv2d's epilogue: bias (per column)
// and res (C's shape, stride ldc) may be null.
void tiles(int64_t m, const uint8_t* a, int64_t lda, const quantized_b& b, const float* dq, float* c, int64_t ldc,
           float alpha, float beta, const float* bias = nullptr, const float* res = nullptr,
           activation act = activation::none);
// Whether tiles() finishes conv2d's epilogue (else the caller runs the epilogue rows after).
bool epilogue_fused();

}  // namespace convkit::qgemm_detail
