// conv2d backward-filter micro-kernel, AVX-512F: the 8x32 GEMM tile of gemm-config.h with B
// read in place instead of packed. B row p (32 floats) is at b + p*ldb: in the dw driver
// (conv2d-backward.cc) that is 32 input channels of one tap at flat position p of a
// zero-padded NHWC image, so no im2col copy is made at all.
//   c[i*ldc + j] (+)= sum_{p < kc} a[p*8 + i] * b[p*ldb + j],  i < 8, j < 32
// (+= when accumulate, = otherwise: then c is not read).
// a: packed [kc][8] (dy of 8 output channels). Compiled with the avx512 flags of
// native/sources.json; includes nothing but intrinsics.
#include <immintrin.h>
#include <cstdint>

namespace convkit {

void f32_conv2d_backward_filter_ukernel_8x32__avx512(int64_t kc, const float* a, const float* b,
                                                     int64_t ldb, float* c, int64_t ldc,
                                                     bool accumulate) {
  __m512 acc[8][2];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
    a += 8;
    b += ldb;
  }
  if (!accumulate) {
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      _mm512_storeu_ps(c + i * ldc, acc[i][0]);
      _mm512_storeu_ps(c + i * ldc + 16, acc[i][1]);
    }
    return;
  }
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    float* ci = c + i * ldc;
    _mm512_storeu_ps(ci, _mm512_add_ps(_mm512_loadu_ps(ci), acc[i][0]));
    _mm512_storeu_ps(ci + 16, _mm512_add_ps(_mm512_loadu_ps(ci + 16), acc[i][1]));
  }
}

}  // namespace convkit
