// The GEMM tile of 8 rows x 16*NV columns with one operand read in place instead of packed,
// AVX-512F, shared by f32-gemm-arows-avx512.cc (A rows in place) and
// f32-conv2d-backward-filter-8x32-avx512.cc (B rows in place). One tile body, the A operand
// a template parameter: A::at(i, p). Per k step: NV loads of B, 8 broadcasts of A, 8*NV FMAs
// into 8*NV zmm accumulators. Include only from files compiled with the AVX-512 flags;
// internal linkage, as util/avx512-helpers.h.
#pragma once
#include "util/x86-intrinsics.h"

#include <cstdint>

namespace convkit {
namespace {

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

}  // namespace
}  // namespace convkit
