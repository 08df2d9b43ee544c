// GEMM tiles 8 x 32 and 8 x 16 with A read in place, AVX-512F (contracts in
// conv2d/ukernel/ukernels.h), for the implicit-GEMM forward (conv2d-igemm.cc): the 8 rows of A
// are the conv weight [Cout][Kd] as given, broadcast straight from their rows, so a large
// weight is streamed once per call by the hardware prefetchers instead of being read and
// written again by a packing pass; B packed. The tile body: gemm-tile-8xn-inplace-avx512.h.
// Compiled with the AVX-512 flags; uses intrinsics and plain loops only.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "conv2d/ukernel/gemm-tile-8xn-inplace-avx512.h"
#include "conv2d/ukernel/ukernels.h"

namespace convkit {
namespace {

// A(i, p) from 8 row pointers (rows in place).
struct a_rows {
  const float* row[8];
  float at(int i, int64_t p) const { return row[i][p]; }
};

a_rows rows_of(const float* a, int64_t lda, int64_t m) {
  a_rows r;
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) r.row[i] = a + (i < m ? i : m - 1) * lda;
  return r;
}

}  // namespace

void f32_gemm_ukernel_8x32_arows__avx512(int64_t kc, const float* a, int64_t lda, int64_t m,
                                         const float* b, float* c, int64_t ldc, float beta) {
  tile<2>(kc, rows_of(a, lda, m), b, 32, c, ldc, beta);
}

void f32_gemm_ukernel_8x16_arows__avx512(int64_t kc, const float* a, int64_t lda, int64_t m,
                                         const float* b, float* c, int64_t ldc, float beta) {
  tile<1>(kc, rows_of(a, lda, m), b, 16, c, ldc, beta);
}

}  // namespace convkit
