// Direct convolution kernel and its NHWC tile store, AVX2 + FMA (contracts in
// conv2d/ukernel/ukernels.h).
//   8x24: 8 output channels in two passes of 4 channels x 3 vectors of 8 positions = 12 ymm
//        accumulators; per tap 3 loads of x, 4 broadcasts of w, 12 FMAs. (One pass of 8
//        channels x 1 vector had 8 accumulators, just the FMA latency times its two pipes:
//        r50_conv1 ran at 73% of the ymm peak, 2.97 ms against 2.33 now.) The last positions
//        in 1 to 3 vectors, the last one masked. Each output is bias + the taps' products in
//        tap order, as the AVX-512 kernel's; ReLU in registers, a residual or another
//        activation by the AVX2 epilogue over each finished row (at most 480 positions: in L1).
//   tile to NHWC: conv2d/ukernel/tile-to-nhwc-avx.h with AVX2's masked stores.
// Compiled with the AVX2 flags; uses intrinsics and plain loops only, so no inline function
// built with these flags leaks into other files.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "conv2d/ukernel/tile-to-nhwc-avx.h"
#include "conv2d/ukernel/finish-mode.h"
#include "conv2d/ukernel/ukernels.h"
#include "util/avx2-helpers.h"

namespace convkit {
namespace {

// Four channels of the block (w and bias point at the first; each tap's weights are 8 apart)
// over NV vectors of positions from i0, the last one masked by `last` when Masked (else every
// vector loaded and stored plainly): 4 x NV accumulators.
template <int NV, bool Masked>
inline void direct_block(int64_t kd, const int64_t* tap, const float* w, const float* x, int64_t i0, __m256i last,
                         float* y, int64_t ldy, int64_t rows, const float* bias, bool relu) {
  __m256 acc[4][NV];
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    const __m256 bj = _mm256_set1_ps(bias[j]);
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) acc[j][v] = bj;
  }
  const float* xi = x + i0;
  for (int64_t k = 0; k < kd; ++k) {
    const float* xk = xi + tap[k];
    __m256 xv[NV];
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) xv[v] = Masked && v == NV - 1 ? _mm256_maskload_ps(xk + 8 * v, last) : _mm256_loadu_ps(xk + 8 * v);
    const float* wk = w + k * 8;
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      const __m256 wj = _mm256_broadcast_ss(wk + j);
#pragma GCC unroll 3
      for (int v = 0; v < NV; ++v) acc[j][v] = _mm256_fmadd_ps(wj, xv[v], acc[j][v]);
    }
  }
  // Constant indices only, so the accumulators stay in registers.
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    if (j >= rows) break;
    float* yj = y + j * ldy + i0;
#pragma GCC unroll 3
    for (int v = 0; v < NV; ++v) {
      const __m256 r = relu ? _mm256_max_ps(_mm256_setzero_ps(), acc[j][v]) : acc[j][v];
      if (Masked && v == NV - 1) {
        _mm256_maskstore_ps(yj + 8 * v, last, r);
      } else {
        _mm256_storeu_ps(yj + 8 * v, r);
      }
    }
  }
}

// Every channel of the block (rows of 8: one pass for up to 4, two for more) over the
// positions [i0, i0 + 8 * NV), the last vector masked by `last`.
template <int NV, bool Masked>
inline void direct_channels(int64_t kd, const int64_t* tap, const float* w, const float* x, int64_t i0, __m256i last,
                            float* y, int64_t ldy, int64_t rows, const float* bias, bool relu) {
  direct_block<NV, Masked>(kd, tap, w, x, i0, last, y, ldy, rows, bias, relu);
  if (rows > 4) direct_block<NV, Masked>(kd, tap, w + 4, x, i0, last, y + 4 * ldy, ldy, rows - 4, bias + 4, relu);
}

}  // namespace

void f32_conv2d_direct_ukernel_8x24__avx2(int64_t kd, const int64_t* tap, const float* w, const float* x,
                                         int64_t n, float* y, int64_t ldy, int64_t rows, const float* bias,
                                         const float* res, activation act) {
  const finish_mode mode = finish_mode_of(res != nullptr, act);
  const bool relu = mode == kFinishRelu;
  const __m256i all = _mm256_set1_epi32(-1);
  int64_t i0 = 0;
  for (; i0 + 24 <= n; i0 += 24) direct_channels<3, false>(kd, tap, w, x, i0, all, y, ldy, rows, bias, relu);
  const int64_t r = n - i0;  // under 24 positions left
  const __m256i last = lanes_below(r - (r - 1) / 8 * 8);
  if (r > 16) {
    direct_channels<3, true>(kd, tap, w, x, i0, last, y, ldy, rows, bias, relu);
  } else if (r > 8) {
    direct_channels<2, true>(kd, tap, w, x, i0, last, y, ldy, rows, bias, relu);
  } else if (r > 0) {
    direct_channels<1, true>(kd, tap, w, x, i0, last, y, ldy, rows, bias, relu);
  }
  if (mode == kFinishAny) {
    for (int64_t j = 0; j < rows; ++j) {
      f32_conv2d_epilogue__avx2(y + j * ldy, y + j * ldy, n, 0.0f, nullptr, res != nullptr ? res + j * ldy : nullptr, act);
    }
  }
}

void f32_conv2d_tile_to_nhwc__avx2(const float* tile, int64_t ld, float* y, int64_t ldy, int64_t cnt, int64_t rows) {
  const __m256i keep = lanes_below(rows);
  tile_to_nhwc_avx(tile, ld, y, ldy, cnt, rows, [keep](float* d, __m256 v) { _mm256_maskstore_ps(d, keep, v); });
}

}  // namespace convkit
