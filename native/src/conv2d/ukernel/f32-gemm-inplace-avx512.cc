// GEMM tiles of 8 rows x 16*NV columns with one operand read in place instead of packed,
// AVX-512F (contracts in conv2d/ukernel/ukernels.h). One tile body, two operand layouts:
//   arows (forward): the 8 rows of A are the conv weight [Cout][Kd] as given, broadcast
//     straight from their rows, so a large weight is streamed once per call by the hardware
//     prefetchers instead of being read and written again by a packing pass; B packed.
//   backward filter: A packed [kc][8] (dy), row p of B read at b + p*ldb (32 channels of one
//     tap at flat position p of a zero-padded NHWC image), so dw needs no im2col copy.
// Per k step: NV loads of B, 8 broadcasts of A, 8*NV FMAs into 8*NV zmm accumulators.
// Compiled with the AVX-512 flags; uses intrinsics and plain loops only.
#include <immintrin.h>

#include <cstdint>

#include "conv2d/ukernel/ukernels.h"

namespace convkit {
namespace {

// A(i, p) from 8 row pointers (rows in place).
struct a_rows {
  const float* row[8];
  float at(int i, int64_t p) const { return row[i][p]; }
};
// A(i, p) from a packed micro-panel [kc][8].
struct a_packed {
  const float* a;
  float at(int i, int64_t p) const { return a[p * 8 + i]; }
};

// c (8 x 16*NV, row stride ldc) = sum_{p < kc} A(i, p) * b[p*ldb + j] + beta * c;
// beta == 0 never reads c.
template <int NV, class A>
void tile(int64_t kc, const A& a, const float* b, int64_t ldb, float* c, int64_t ldc, float beta) {
  __m512 acc[8][NV];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < kc; ++p, b += ldb) {
    __m512 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      const __m512 ai = _mm512_set1_ps(a.at(i, p));
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  }
  if (beta == 0.0f) {
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) _mm512_storeu_ps(c + i * ldc + 16 * v, acc[i][v]);
    }
  } else {
    const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) {
        float* ci = c + i * ldc + 16 * v;
        _mm512_storeu_ps(ci, _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci), acc[i][v]));
      }
    }
  }
}

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

void f32_conv2d_backward_filter_ukernel_8x32__avx512(int64_t kc, const float* a, const float* b,
                                                     int64_t ldb, float* c, int64_t ldc,
                                                     bool accumulate) {
  tile<2>(kc, a_packed{a}, b, ldb, c, ldc, accumulate ? 1.0f : 0.0f);
}

}  // namespace convkit
