// Direct convolution kernel, AVX-512F (contract in conv2d/ukernel/ukernels.h).
//   8x48: 8 output channels x 3 vectors of 16 positions = 24 zmm accumulators; per tap
//         3 loads of x, 8 broadcasts of w, 24 FMAs. Tails by masks.
// Compiled with the AVX-512 flags; uses intrinsics and plain loops only, so no inline
// function built with these flags leaks into other files.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "conv2d/ukernel/activation-avx512.h"
#include "conv2d/ukernel/ukernels.h"
#include "util/avx512-helpers.h"

namespace convkit {
namespace {

template <int NV, int M>
inline void direct_block(int64_t kd, const int64_t* tap, const float* w, const float* x,
                         int64_t i0, int64_t len, float* y, int64_t ldy, int64_t rows,
                         const float* bias, const float* res, activation act) {
  __mmask16 m[NV];
#pragma GCC unroll 3
  for (int v = 0; v < NV; ++v) m[v] = tail_mask(len - 16 * v);
  __m512 acc[8][NV];
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    const __m512 bj = _mm512_set1_ps(bias[j]);
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) acc[j][v] = bj;
  }
  const float* xi = x + i0;
  for (int64_t k = 0; k < kd; ++k) {
    const float* xk = xi + tap[k];
    __m512 xv[NV];
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) xv[v] = _mm512_maskz_loadu_ps(m[v], xk + 16 * v);
    const float* wk = w + k * 8;
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) {
      const __m512 wj = _mm512_set1_ps(wk[j]);
#pragma GCC unroll 3
      for (int v = 0; v < NV; ++v) acc[j][v] = _mm512_fmadd_ps(wj, xv[v], acc[j][v]);
    }
  }
  // Constant indices only, so the accumulators stay in registers.
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    if (j >= rows) break;
    float* yj = y + j * ldy + i0;
    const float* rj = res != nullptr ? res + j * ldy + i0 : nullptr;
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) {
      _mm512_mask_storeu_ps(yj + 16 * v, m[v],
                            finish_avx512<M>(acc[j][v], m[v], rj != nullptr ? rj + 16 * v : nullptr, act));
    }
  }
}

template <int M>
void direct_rows(int64_t kd, const int64_t* tap, const float* w, const float* x, int64_t n,
                 float* y, int64_t ldy, int64_t rows, const float* bias, const float* res,
                 activation act) {
  int64_t i0 = 0;
  for (; i0 + 48 <= n; i0 += 48) direct_block<3, M>(kd, tap, w, x, i0, 48, y, ldy, rows, bias, res, act);
  const int64_t r = n - i0;
  if (r > 32) {
    direct_block<3, M>(kd, tap, w, x, i0, r, y, ldy, rows, bias, res, act);
  } else if (r > 16) {
    direct_block<2, M>(kd, tap, w, x, i0, r, y, ldy, rows, bias, res, act);
  } else if (r > 0) {
    direct_block<1, M>(kd, tap, w, x, i0, r, y, ldy, rows, bias, res, act);
  }
}

}  // namespace

void f32_conv2d_direct_ukernel_8x48__avx512(int64_t kd, const int64_t* tap, const float* w,
                                            const float* x, int64_t n, float* y, int64_t ldy,
                                            int64_t rows, const float* bias, const float* res,
                                            activation act) {
  switch (finish_mode_of(res != nullptr, act)) {
    case kFinishNone: return direct_rows<kFinishNone>(kd, tap, w, x, n, y, ldy, rows, bias, res, act);
    case kFinishRelu: return direct_rows<kFinishRelu>(kd, tap, w, x, n, y, ldy, rows, bias, res, act);
    default: return direct_rows<kFinishAny>(kd, tap, w, x, n, y, ldy, rows, bias, res, act);
  }
}

}  // namespace convkit
