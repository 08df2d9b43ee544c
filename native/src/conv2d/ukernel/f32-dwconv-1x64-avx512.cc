// Depthwise convolution kernel, AVX-512F (contract in conv2d/ukernel/ukernels.h).
//   dwconv 1x64: one channel, 4 vectors of positions read at a fixed offset per tap (a
//   zero-padded copy of the plane, built by the driver). Tails by masks.
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
inline void dw_block(int64_t kd, const int64_t* tap, const float* w, const float* x, int64_t i0,
                     int64_t len, float* y, float bias, const float* res, activation act) {
  __mmask16 m[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) m[v] = tail_mask(len - 16 * v);
  __m512 acc[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) acc[v] = _mm512_set1_ps(bias);
  const float* xi = x + i0;
  for (int64_t k = 0; k < kd; ++k) {
    const float* xk = xi + tap[k];
    const __m512 wk = _mm512_set1_ps(w[k]);
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      acc[v] = _mm512_fmadd_ps(wk, _mm512_maskz_loadu_ps(m[v], xk + 16 * v), acc[v]);
    }
  }
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    _mm512_mask_storeu_ps(y + i0 + 16 * v, m[v],
                          finish_avx512<M>(acc[v], m[v], res != nullptr ? res + i0 + 16 * v : nullptr, act));
  }
}

template <int M>
void dw_row(int64_t kd, const int64_t* tap, const float* w, const float* x, int64_t n, float* y,
            float bias, const float* res, activation act) {
  int64_t i0 = 0;
  for (; i0 + 64 <= n; i0 += 64) dw_block<4, M>(kd, tap, w, x, i0, 64, y, bias, res, act);
  const int64_t r = n - i0;
  if (r > 48) {
    dw_block<4, M>(kd, tap, w, x, i0, r, y, bias, res, act);
  } else if (r > 32) {
    dw_block<3, M>(kd, tap, w, x, i0, r, y, bias, res, act);
  } else if (r > 16) {
    dw_block<2, M>(kd, tap, w, x, i0, r, y, bias, res, act);
  } else if (r > 0) {
    dw_block<1, M>(kd, tap, w, x, i0, r, y, bias, res, act);
  }
}

}  // namespace

void f32_dwconv_ukernel_1x64__avx512(int64_t kd, const int64_t* tap, const float* w,
                                     const float* x, int64_t n, float* y, float bias,
                                     const float* res, activation act) {
  switch (finish_mode_of(res != nullptr, act)) {
    case kFinishNone: return dw_row<kFinishNone>(kd, tap, w, x, n, y, bias, res, act);
    case kFinishRelu: return dw_row<kFinishRelu>(kd, tap, w, x, n, y, bias, res, act);
    default: return dw_row<kFinishAny>(kd, tap, w, x, n, y, bias, res, act);
  }
}

}  // namespace convkit
