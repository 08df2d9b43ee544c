// The direct dw kernel's body (contract in ukernels.h, f32_conv2d_backward_filter_direct_fn),
// written once for the ISA files that instantiate it with their vector ops O (kLanes, V, zero,
// load, fma, add, store): over flat positions q of one image (rows of the padded input's pitch,
// dy laid out with the same pitch and zeros between its rows), tap t of a channel pair is the
// dot product of dy row c and the input plane shifted by off[t]. Blocks of up to CBmax dy rows x
// TBmax taps keep their accumulators in registers (AVX-512: 4 x 6 = 24 of 32 zmm, each FMA
// with 10 / 24 loads; AVX2: 3 x 4 = 12 of 16 ymm); taps go in blocks of equal size (25 = 5 x 5,
// not 6 + 6 + 6 + 6 + 1: a 1-tap block loads 5 vectors per 4 FMAs). Lanes are not reduced: each
// (row, tap) adds its kLanes sums to the first kLanes floats of its 16-float slot in acc.
// Internal linkage only (an unnamed namespace): each ISA file gets its own copy.
#pragma once
#include <cstdint>

namespace convkit {
namespace {

template <class O, int CB, int TB>
void dw_direct_block(int64_t nq, const float* dy, int64_t ldd, const float* x, const int64_t* off, float* acc,
                     int64_t lda) {
  using V = typename O::V;
  int64_t o[TB];
#pragma GCC unroll 8
  for (int t = 0; t < TB; ++t) o[t] = off[t];
  V a[CB][TB];
#pragma GCC unroll 8
  for (int c = 0; c < CB; ++c) {
#pragma GCC unroll 8
    for (int t = 0; t < TB; ++t) a[c][t] = O::zero();
  }
  for (int64_t q = 0; q < nq; q += O::kLanes) {
    V d[CB];
#pragma GCC unroll 8
    for (int c = 0; c < CB; ++c) d[c] = O::load(dy + c * ldd + q);
#pragma GCC unroll 8
    for (int t = 0; t < TB; ++t) {
      const V xv = O::load(x + q + o[t]);
#pragma GCC unroll 8
      for (int c = 0; c < CB; ++c) a[c][t] = O::fma(d[c], xv, a[c][t]);
    }
  }
#pragma GCC unroll 8
  for (int c = 0; c < CB; ++c) {
#pragma GCC unroll 8
    for (int t = 0; t < TB; ++t) {
      float* p = acc + c * lda + t * 16;
      O::store(p, O::add(O::load(p), a[c][t]));
    }
  }
}

// dw_direct_block<O, cb, tb> for the runtime sizes cb <= CB, tb <= TB.
template <class O, int CB, int TB>
void dw_direct_dispatch(int cb, int tb, int64_t nq, const float* dy, int64_t ldd, const float* x, const int64_t* off,
                        float* acc, int64_t lda) {
  if constexpr (CB > 1) {
    if (cb < CB) return dw_direct_dispatch<O, CB - 1, TB>(cb, tb, nq, dy, ldd, x, off, acc, lda);
  }
  if constexpr (TB > 1) {
    if (tb < TB) return dw_direct_dispatch<O, CB, TB - 1>(cb, tb, nq, dy, ldd, x, off, acc, lda);
  }
  dw_direct_block<O, CB, TB>(nq, dy, ldd, x, off, acc, lda);
}

template <class O, int CB, int TB>
void dw_direct(int64_t nq, const float* dy, int64_t ldd, int64_t nc, const float* x, const int64_t* off, int64_t nt,
               float* acc, int64_t lda) {
  const int64_t tblocks = (nt + TB - 1) / TB, tsize = (nt + tblocks - 1) / tblocks;
  for (int64_t c0 = 0; c0 < nc; c0 += CB) {
    const int cb = static_cast<int>(nc - c0 < CB ? nc - c0 : CB);
    for (int64_t t0 = 0; t0 < nt; t0 += tsize) {
      const int tb = static_cast<int>(nt - t0 < tsize ? nt - t0 : tsize);
      dw_direct_dispatch<O, CB, TB>(cb, tb, nq, dy + c0 * ldd, ldd, x, off + t0, acc + c0 * lda + t0 * 16, lda);
    }
  }
}

}  // namespace
}  // namespace convkit
