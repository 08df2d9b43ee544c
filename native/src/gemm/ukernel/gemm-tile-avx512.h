// The C-tile side of the 8x32 AVX-512 GEMM micro-kernels (f32-gemm-8x32-avx512.cc and
// bf16-gemm-8x32-avx512bf16.cc): the prefetch of the tile before the k loop and its store,
// c = alpha * acc + beta * c (beta == 0 never reads c), plain or finished as a conv epilogue
// (gemm_epilogue, convkit/gemm.h). Include only from files compiled with
// the AVX-512 flags; internal linkage (static inline), so no copy built with one file's flags
// can stand in for another's.
#pragma once
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "conv2d/ukernel/activation-avx512.h"

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

// store_c_8x32's arithmetic, then + bias[j] + res[i][j] and act: the conv epilogue's order
// (f32_conv2d_epilogue__avx512 on the stored tile gives the same bits). bias (the tile's 32
// columns) and res (row stride ldc) may be null.
template <activation A>
static inline void store_finished_8x32(const __m512 (&acc)[8][2], float* c, int64_t ldc, float alpha, float beta,
                                       const float* bias, const float* res) {
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  const __m512 bias0 = bias != nullptr ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
  const __m512 bias1 = bias != nullptr ? _mm512_loadu_ps(bias + 16) : _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    float* ci = c + i * ldc;
    __m512 v0 = _mm512_mul_ps(va, acc[i][0]), v1 = _mm512_mul_ps(va, acc[i][1]);
    if (beta != 0.0f) {
      v0 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci), v0);
      v1 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci + 16), v1);
    }
    if (bias != nullptr) v0 = _mm512_add_ps(v0, bias0), v1 = _mm512_add_ps(v1, bias1);
    if (res != nullptr) {
      v0 = _mm512_add_ps(v0, _mm512_loadu_ps(res + i * ldc));
      v1 = _mm512_add_ps(v1, _mm512_loadu_ps(res + i * ldc + 16));
    }
    _mm512_storeu_ps(ci, activate_avx512(A, v0));
    _mm512_storeu_ps(ci + 16, activate_avx512(A, v1));
  }
}

}  // namespace convkit
