// Single-precision GEMM of the convkit core, row-major, BLAS semantics. No Node here.
#pragma once
#include <cstdint>

#include "convkit/conv2d.h"  // activation, of gemm_epilogue

namespace convkit {

// C[M,N] = alpha * op(A) * op(B) + beta * C, all row-major.
// op(A) is [M,K]: A is [M,K] with row stride lda, or [K,M] when trans_a.
// op(B) is [K,N]: B is [K,N] with row stride ldb, or [N,K] when trans_b.
// beta == 0 never reads C (so C may hold NaN garbage). M, N or K == 0 is allowed.
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc);

// B prepacked once for many products with the same B (weights): op(B) [K,N] as the full-K
// panels of the micro-kernel, [ceil(N/NR)][K][NR], zero past N, NR the active GEMM plan's.
// sgemm_packed_b_size(n, k) floats; sgemm_pack_b fills them. Packing is a copy, so
// sgemm_prepacked gives bit for bit what sgemm gives on the same arguments; it takes b as
// well (the small-product paths read it as it is) and bp, packed from that b under the same
// plan (the caller keeps them together).
int64_t sgemm_packed_b_size(int64_t n, int64_t k);
// Whether sgemm runs an m x n x k product in one k block (few rows of A, a small B): the sum
// of each element is then one run over k instead of partial sums per k block, so its bits
// differ. A caller that splits one product into products of fewer rows (and wants the same
// bits) keeps this answer unchanged.
bool sgemm_one_k_block(int64_t m, int64_t n, int64_t k);
// Whether sgemm splits an m x n x k product over the threads (from 2^22 multiply-adds, about
// 160^3) when there are several. A caller with many products to run picks by it between
// running them side by side and one after another.
bool sgemm_splits_over_threads(int64_t m, int64_t n, int64_t k);
// Called once for each finished block of C (every k summed): rows [i0, i0 + m), columns
// [j0, j0 + n), on the thread that finished it, while the block is still in its caches; the
// blocks of one product are disjoint and cover C. For an epilogue (a conv's bias, residual,
// activation) that would otherwise read all of C back from memory.
struct gemm_block_hook {
  void (*fn)(void* ctx, int64_t i0, int64_t m, int64_t j0, int64_t n);
  void* ctx;
};
// A conv's epilogue finished on C inside the product, tile by tile while each is in registers
// (after the product, even block by block from cache, a 56 x 56 x 64 -> 256 NHWC 1x1 conv with
// a residual spent a quarter of its time on it: the residual came from memory with nothing to
// overlap; the tile kernel prefetches it while it multiplies):
//   C[i][j] = act((alpha * (A.B)[i][j] + beta * C[i][j]) + bias[j] + res[i*ldc + j]),
// bias (n values) and res (like C, row stride ldc) may be null; the additions in
// f32_conv2d_epilogue's order, so the result is the bits of the product then that epilogue.
// `rows` finishes the tiles no finishing kernel takes (edges, other ISAs, the small-product
// paths): the conv config's epilogue_rows (contract in conv2d/ukernel/ukernels.h), bias per
// column.
struct gemm_epilogue {
  const float* bias;
  const float* res;
  activation act;
  void (*rows)(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias, bool bias_per_row,
               const float* res, activation act);
  // Whether it changes anything (callers pass null instead of an empty one).
  bool any() const { return bias != nullptr || res != nullptr || act != activation::none; }
};
void sgemm_pack_b(bool trans_b, int64_t n, int64_t k, const float* b, int64_t ldb, float* bp);
// hook or epi (not both): the epilogue by blocks, or inside the tiles.
void sgemm_prepacked(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                     const float* a, int64_t lda, const float* b, int64_t ldb, const float* bp,
                     float beta, float* c, int64_t ldc, const gemm_block_hook* hook = nullptr,
                     const gemm_epilogue* epi = nullptr);

// The same for A: op(A) [M,K] as [ceil(M/MR)][K][MR], zero past M.
int64_t sgemm_packed_a_size(int64_t m, int64_t k);
void sgemm_pack_a(bool trans_a, int64_t m, int64_t k, const float* a, int64_t lda, float* ap);
void sgemm_prepacked_a(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                       const float* a, int64_t lda, const float* ap, const float* b, int64_t ldb,
                       float beta, float* c, int64_t ldc, const gemm_block_hook* hook = nullptr);

// Triple loop, double accumulation: the oracle for tests.
void sgemm_ref(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
               const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
               int64_t ldc);

}  // namespace convkit
