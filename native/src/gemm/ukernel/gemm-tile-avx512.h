// The C-tile side of the 8x32 AVX-512 GEMM micro-kernels (f32-gemm-8x32-avx512.cc and
// bf16-gemm-8x32-avx512bf16.cc): the prefetch of the tile before the k loop and its store,
// c = alpha * acc + beta * c (beta == 0 never reads c). Include only from files compiled with
// the AVX-512 flags; internal linkage (static inline), so no copy built with one file's flags
// can stand in for another's.
#pragma once
#include "util/x86-intrinsics.h"

#include <cstdint>

namespace convkit {

// The C tile is only touched after the k loop: fetch its 16 lines now, so the misses (rows
// ldc apart, often in L3 or memory) overlap the k loop instead of following it.
static inline void prefetch_c_8x32(const float* c, int64_t ldc) {
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 31), _MM_HINT_T0);
  }
}

static inline void store_c_8x32(const __m512 (&acc)[8][2], float* c, int64_t ldc, float alpha, float beta) {
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
      _mm512_storeu_ps(ci + 16, _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci + 16), _mm512_mul_ps(va, acc[i][1])));
    }
  }
}

}  // namespace convkit
