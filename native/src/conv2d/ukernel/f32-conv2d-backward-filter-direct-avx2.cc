// The direct dw kernel of stride-1 NCHW convolutions with few channels, AVX2 + FMA (contract in
// ukernels.h, f32_conv2d_backward_filter_direct_fn): the AVX-512 kernel's algorithm on 8 lanes,
// blocks of up to 3 dy rows x 4 taps (12 accumulators, 3 dy vectors and one input vector: the
// 16 ymm registers). Each (row, tap) pair's 8 lane sums go to the first 8 floats of its 16-float
// slot (the driver sums all 16; the other 8 stay as they were, zero).
// Compiled with the AVX2 flags; intrinsics and internal-linkage templates only.
#include "util/x86-intrinsics.h"
#include <cstdint>

#include "conv2d/ukernel/ukernels.h"

namespace convkit {
namespace {

template <int CB, int TB>
void block(int64_t nq, const float* dy, int64_t ldd, const float* x, const int64_t* off, float* acc, int64_t lda) {
  int64_t o[TB];
#pragma GCC unroll 4
  for (int t = 0; t < TB; ++t) o[t] = off[t];
  __m256 a[CB][TB];
#pragma GCC unroll 3
  for (int c = 0; c < CB; ++c) {
#pragma GCC unroll 4
    for (int t = 0; t < TB; ++t) a[c][t] = _mm256_setzero_ps();
  }
  for (int64_t q = 0; q < nq; q += 8) {
    __m256 d[CB];
#pragma GCC unroll 3
    for (int c = 0; c < CB; ++c) d[c] = _mm256_loadu_ps(dy + c * ldd + q);
#pragma GCC unroll 4
    for (int t = 0; t < TB; ++t) {
      const __m256 xv = _mm256_loadu_ps(x + q + o[t]);
#pragma GCC unroll 3
      for (int c = 0; c < CB; ++c) a[c][t] = _mm256_fmadd_ps(d[c], xv, a[c][t]);
    }
  }
#pragma GCC unroll 3
  for (int c = 0; c < CB; ++c) {
#pragma GCC unroll 4
    for (int t = 0; t < TB; ++t) {
      float* p = acc + c * lda + t * 16;
      _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), a[c][t]));
    }
  }
}

using block_fn = void (*)(int64_t, const float*, int64_t, const float*, const int64_t*, float*, int64_t);

template <int CB>
constexpr block_fn row(int tb) {
  return tb == 1 ? block<CB, 1> : tb == 2 ? block<CB, 2> : tb == 3 ? block<CB, 3> : block<CB, 4>;
}

constexpr int kCB = 3, kTB = 4;

}  // namespace

void f32_conv2d_backward_filter_direct__avx2(int64_t nq, const float* dy, int64_t ldd, int64_t nc, const float* x,
                                             const int64_t* off, int64_t nt, float* acc, int64_t lda) {
  static const block_fn table[kCB][kTB] = {
      {row<1>(1), row<1>(2), row<1>(3), row<1>(4)},
      {row<2>(1), row<2>(2), row<2>(3), row<2>(4)},
      {row<3>(1), row<3>(2), row<3>(3), row<3>(4)},
  };
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
