// Direct convolution kernel and its NHWC tile store, AVX2 + FMA (contracts in
// conv2d/ukernel/ukernels.h).
//   8x8: 8 output channels x 1 vector of 8 positions = 8 ymm accumulators (the FMA latency
//        times its two pipes); per tap 1 load of x, 8 broadcasts of w, 8 FMAs. The last
//        positions in one masked vector. Each output is bias + the taps' products in tap
//        order, as the AVX-512 kernel's; ReLU in registers, a residual or another activation
//        by the AVX2 epilogue over each finished row (at most 480 positions: in L1).
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

template <bool Masked>
inline void direct_block(int64_t kd, const int64_t* tap, const float* w, const float* x, int64_t i0, __m256i m,
                         float* y, int64_t ldy, int64_t rows, const float* bias, bool relu) {
  __m256 acc[8];
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) acc[j] = _mm256_set1_ps(bias[j]);
  const float* xi = x + i0;
  for (int64_t k = 0; k < kd; ++k) {
    const __m256 xv = Masked ? _mm256_maskload_ps(xi + tap[k], m) : _mm256_loadu_ps(xi + tap[k]);
    const float* wk = w + k * 8;
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) acc[j] = _mm256_fmadd_ps(_mm256_broadcast_ss(wk + j), xv, acc[j]);
  }
  // Constant indices only, so the accumulators stay in registers.
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    if (j >= rows) break;
    const __m256 v = relu ? _mm256_max_ps(_mm256_setzero_ps(), acc[j]) : acc[j];
    if (Masked) {
      _mm256_maskstore_ps(y + j * ldy + i0, m, v);
    } else {
      _mm256_storeu_ps(y + j * ldy + i0, v);
    }
  }
}

}  // namespace

void f32_conv2d_direct_ukernel_8x8__avx2(int64_t kd, const int64_t* tap, const float* w, const float* x,
                                         int64_t n, float* y, int64_t ldy, int64_t rows, const float* bias,
                                         const float* res, activation act) {
  const finish_mode mode = finish_mode_of(res != nullptr, act);
  const bool relu = mode == kFinishRelu;
  const __m256i all = _mm256_set1_epi32(-1);
  int64_t i0 = 0;
  for (; i0 + 8 <= n; i0 += 8) direct_block<false>(kd, tap, w, x, i0, all, y, ldy, rows, bias, relu);
  if (i0 < n) direct_block<true>(kd, tap, w, x, i0, lanes_below(n - i0), y, ldy, rows, bias, relu);
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
