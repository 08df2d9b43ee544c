// 8x32 f32 GEMM micro-kernel, AVX-512F: 16 zmm accumulators (8 rows x 2 vectors of 16),
// per k step 2 loads of B, 8 broadcasts of A, 16 FMAs. Contract in configs/gemm-config.h.
// Compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma -mavx2; includes nothing
// but intrinsics so no inline function built with these flags leaks into other files.
#include "util/x86-intrinsics.h"
#include <cstdint>

namespace convkit {

void f32_gemm_ukernel_8x32__avx512(int64_t kc, const float* a, const float* b, float* c,
                                   int64_t ldc, float alpha, float beta) {
  // The C tile is only touched after the k loop: fetch its 16 lines now, so the misses
  // (rows ldc apart, often in L3 or memory) overlap the FMAs instead of following them.
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 31), _MM_HINT_T0);
  }
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
    b += 32;
  }
  const __m512 va = _mm512_set1_ps(alpha);
  if (beta == 0.0f) {
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      _mm512_storeu_ps(c + i * ldc, _mm512_mul_ps(va, acc[i][0]));
      _mm512_storeu_ps(c + i * ldc + 16, _mm512_mul_ps(va, acc[i][1]));
    }
  } else {
    const __m512 vb = _mm512_set1_ps(beta);
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      float* ci = c + i * ldc;
      _mm512_storeu_ps(ci, _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci), _mm512_mul_ps(va, acc[i][0])));
      _mm512_storeu_ps(ci + 16,
                       _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci + 16), _mm512_mul_ps(va, acc[i][1])));
    }
  }
}

}  // namespace convkit
