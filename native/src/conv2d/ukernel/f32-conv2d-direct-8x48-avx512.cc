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

namespace convkit {

// 8 x 8 blocks transposed in registers (unpack, shuffle, 128-bit permute: 24 shuffles per 64
// floats), each position's rows written with one store, against 8 scalar loads and stores per
// position in a plain loop (which took a quarter of lenet1 NHWC's time).
void f32_conv2d_tile_to_nhwc__avx512(const float* tile, int64_t ld, float* y, int64_t ldy,
                                     int64_t cnt, int64_t rows) {
  const __mmask8 keep = static_cast<__mmask8>((1u << rows) - 1);
  // Rows past `rows` read row 0 again: in bounds whatever the tile's height, and masked out.
  const float* r[8];
  for (int j = 0; j < 8; ++j) r[j] = tile + (j < rows ? j : 0) * ld;
  int64_t i = 0;
  for (; i + 8 <= cnt; i += 8) {
    const __m256 t0 = _mm256_unpacklo_ps(_mm256_loadu_ps(r[0] + i), _mm256_loadu_ps(r[1] + i));
    const __m256 t1 = _mm256_unpackhi_ps(_mm256_loadu_ps(r[0] + i), _mm256_loadu_ps(r[1] + i));
    const __m256 t2 = _mm256_unpacklo_ps(_mm256_loadu_ps(r[2] + i), _mm256_loadu_ps(r[3] + i));
    const __m256 t3 = _mm256_unpackhi_ps(_mm256_loadu_ps(r[2] + i), _mm256_loadu_ps(r[3] + i));
    const __m256 t4 = _mm256_unpacklo_ps(_mm256_loadu_ps(r[4] + i), _mm256_loadu_ps(r[5] + i));
    const __m256 t5 = _mm256_unpackhi_ps(_mm256_loadu_ps(r[4] + i), _mm256_loadu_ps(r[5] + i));
    const __m256 t6 = _mm256_unpacklo_ps(_mm256_loadu_ps(r[6] + i), _mm256_loadu_ps(r[7] + i));
    const __m256 t7 = _mm256_unpackhi_ps(_mm256_loadu_ps(r[6] + i), _mm256_loadu_ps(r[7] + i));
    // s{k}: rows 0-3 (k < 4) or 4-7 of positions k % 4 and k % 4 + 4, one per 128-bit half.
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    const __m256 c[8] = {_mm256_permute2f128_ps(s0, s4, 0x20), _mm256_permute2f128_ps(s1, s5, 0x20),
                         _mm256_permute2f128_ps(s2, s6, 0x20), _mm256_permute2f128_ps(s3, s7, 0x20),
                         _mm256_permute2f128_ps(s0, s4, 0x31), _mm256_permute2f128_ps(s1, s5, 0x31),
                         _mm256_permute2f128_ps(s2, s6, 0x31), _mm256_permute2f128_ps(s3, s7, 0x31)};
    float* yi = y + i * ldy;
    // Masked stores that cross a cache line are slow (lenet1 NHWC, 6 channels: 12% slower than
    // scalar stores), so whole stores wherever they write nothing they should not.
    if (rows == 8) {
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) _mm256_storeu_ps(yi + k * ldy, c[k]);
    } else if (ldy == rows && rows >= 4) {
      // Positions back to back: whole stores in order, each one's extra lanes rewritten by
      // the next ones; the last one masked. Store k ends at (i + k) * rows + 8, inside the
      // block's (i + 8) * rows for k <= 6 when rows >= 4.
#pragma GCC unroll 7
      for (int k = 0; k < 7; ++k) _mm256_storeu_ps(yi + k * ldy, c[k]);
      _mm256_mask_storeu_ps(yi + 7 * ldy, keep, c[7]);
    } else {
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) _mm256_mask_storeu_ps(yi + k * ldy, keep, c[k]);
    }
  }
  for (; i < cnt; ++i) {
    float* yv = y + i * ldy;
    for (int64_t j = 0; j < rows; ++j) yv[j] = r[j][i];
  }
}

}  // namespace convkit
