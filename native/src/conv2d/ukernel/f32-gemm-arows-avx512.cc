// GEMM micro-kernels that read A in place, AVX-512F (contracts in conv2d/ukernel/ukernels.h):
// 8 rows of A (the conv weight, [Cout][Kd] as given) are broadcast straight from their rows,
// so a large weight is streamed once per call by the hardware prefetchers, overlapped with
// the FMAs, instead of being read and written again by a packing pass first.
//   8x32: 16 zmm accumulators, per k step 2 loads of B, 8 broadcasts, 16 FMAs.
//   8x16: the same on one vector, for a last position panel of at most 16 lanes.
// Compiled with the AVX-512 flags; uses intrinsics and plain loops only.
#include <immintrin.h>

#include <cstdint>

#include "conv2d/ukernel/ukernels.h"

namespace convkit {
namespace {

template <int NV>
void arows_tile(int64_t kc, const float* a, int64_t lda, int64_t m, const float* b, float* c,
                int64_t ldc, float beta) {
  const float* row[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) row[i] = a + (i < m ? i : m - 1) * lda;
  __m512 acc[8][NV];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < kc; ++p, b += 16 * NV) {
    __m512 bv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(b + 16 * v);
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      const __m512 ai = _mm512_set1_ps(row[i][p]);
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

void f32_gemm_ukernel_8x32_arows__avx512(int64_t kc, const float* a, int64_t lda, int64_t m,
                                         const float* b, float* c, int64_t ldc, float beta) {
  arows_tile<2>(kc, a, lda, m, b, c, ldc, beta);
}

void f32_gemm_ukernel_8x16_arows__avx512(int64_t kc, const float* a, int64_t lda, int64_t m,
                                         const float* b, float* c, int64_t ldc, float beta) {
  arows_tile<1>(kc, a, lda, m, b, c, ldc, beta);
}

}  // namespace convkit
