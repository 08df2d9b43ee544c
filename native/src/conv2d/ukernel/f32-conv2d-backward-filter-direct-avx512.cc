// The direct dw kernel of stride-1 NCHW convolutions with few channels, AVX-512 (contract in
// ukernels.h, f32_conv2d_backward_filter_direct_fn). Over flat positions q of one image (rows
// of the padded input's pitch, dy laid out with the same pitch and zeros between its rows),
// tap t of a channel pair (c, ci) is the dot product of dy row c and the input plane shifted
// by off[t]; blocks of up to 4 dy rows x 6 taps keep 24 accumulators of 16 positions in
// registers, so each vector FMA has 10 / 24 loads. Lanes are not reduced here: they are added to acc's
// 16-float slots and summed once per call by the driver.
// Compiled with the AVX-512 flags; includes only intrinsics.
#include "util/x86-intrinsics.h"
#include <cstdint>

#include "conv2d/ukernel/ukernels.h"

namespace convkit {
namespace {

template <int CB, int TB>
void block(int64_t nq, const float* dy, int64_t ldd, const float* x, const int64_t* off, float* acc, int64_t lda) {
  int64_t o[TB];
#pragma GCC unroll 6
  for (int t = 0; t < TB; ++t) o[t] = off[t];
  __m512 a[CB][TB];
#pragma GCC unroll 4
  for (int c = 0; c < CB; ++c) {
#pragma GCC unroll 6
    for (int t = 0; t < TB; ++t) a[c][t] = _mm512_setzero_ps();
  }
  for (int64_t q = 0; q < nq; q += 16) {
    __m512 d[CB];
#pragma GCC unroll 4
    for (int c = 0; c < CB; ++c) d[c] = _mm512_loadu_ps(dy + c * ldd + q);
#pragma GCC unroll 6
    for (int t = 0; t < TB; ++t) {
      const __m512 xv = _mm512_loadu_ps(x + q + o[t]);
#pragma GCC unroll 4
      for (int c = 0; c < CB; ++c) a[c][t] = _mm512_fmadd_ps(d[c], xv, a[c][t]);
    }
  }
#pragma GCC unroll 4
  for (int c = 0; c < CB; ++c) {
#pragma GCC unroll 6
    for (int t = 0; t < TB; ++t) {
      float* p = acc + c * lda + t * 16;
      _mm512_storeu_ps(p, _mm512_add_ps(_mm512_loadu_ps(p), a[c][t]));
    }
  }
}

using block_fn = void (*)(int64_t, const float*, int64_t, const float*, const int64_t*, float*, int64_t);

template <int CB>
constexpr block_fn row(int tb) {
  return tb == 1 ? block<CB, 1> : tb == 2 ? block<CB, 2> : tb == 3 ? block<CB, 3> : tb == 4 ? block<CB, 4>
       : tb == 5 ? block<CB, 5> : block<CB, 6>;
}

constexpr int kCB = 4, kTB = 6;

}  // namespace

void f32_conv2d_backward_filter_direct__avx512(int64_t nq, const float* dy, int64_t ldd, int64_t nc, const float* x,
                                               const int64_t* off, int64_t nt, float* acc, int64_t lda) {
  static const block_fn table[kCB][kTB] = {
      {row<1>(1), row<1>(2), row<1>(3), row<1>(4), row<1>(5), row<1>(6)},
      {row<2>(1), row<2>(2), row<2>(3), row<2>(4), row<2>(5), row<2>(6)},
      {row<3>(1), row<3>(2), row<3>(3), row<3>(4), row<3>(5), row<3>(6)},
      {row<4>(1), row<4>(2), row<4>(3), row<4>(4), row<4>(5), row<4>(6)},
  };
  // Taps in blocks of equal size (25 = 5 x 5, not 6 + 6 + 6 + 6 + 1: a 1-tap block loads 5
  // vectors per 4 FMAs).
  const int64_t tblocks = (nt + kTB - 1) / kTB, tsize = (nt + tblocks - 1) / tblocks;
  for (int64_t c0 = 0; c0 < nc; c0 += kCB) {
    const int64_t cb = nc - c0 < kCB ? nc - c0 : kCB;
    for (int64_t t0 = 0; t0 < nt; t0 += tsize) {
      const int64_t tb = nt - t0 < tsize ? nt - t0 : tsize;
      table[cb - 1][tb - 1](nq, dy + c0 * ldd, ldd, x, off + t0, acc + c0 * lda + t0 * 16, lda);
    }
  }
}

}  // namespace convkit
