// Direct NHWC convolution of few input channels (a network's stem: 3 x 3x3 / 2, 3 x 7x7 / 2;
// up to 16),
// AVX-512F, one output row per call (contract: f32_conv2d_direct_nhwc_row_fn in
// conv2d/ukernel/ukernels.h). Output channels in the lanes, positions in the rows of the
// register tile: MR positions x NV vectors of 16 channels (24 accumulators), per tap NV weight
// loads and MR broadcasts of x straight from the padded NHWC row (embedded broadcasts at
// constant displacements when stride * Cin is 3 or 6), so the outputs are written as NHWC
// pixels with no transpose and the input is never repacked by channel. The bias starts the
// sums; the residual and the activation are applied in registers before the store.
// Compiled with the AVX-512 flags; intrinsics and plain loops only.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "conv2d/ukernel/activation-avx512.h"
#include "conv2d/ukernel/finish-mode.h"
#include "conv2d/ukernel/ukernels.h"
#include "util/avx512-helpers.h"

namespace convkit {
namespace {

// Positions [0, MR) of one row block: x position i at x + i * sc (SC > 0: sc is SC).
template <int NV, int MR, int SC, int M>
inline void block(int64_t kd, const int64_t* tap, const float* w, int64_t ldw, const float* x, int64_t sc,
                  const float* bias, const __mmask16* mk, float* y, int64_t ldy, const float* res,
                  activation act) {
  const int64_t step = SC > 0 ? SC : sc;
  __m512 acc[MR][NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const __m512 b = _mm512_maskz_loadu_ps(mk[v], bias + 16 * v);
#pragma GCC unroll 24
    for (int i = 0; i < MR; ++i) acc[i][v] = b;
  }
  for (int64_t k = 0; k < kd; ++k) {
    const float* xk = x + tap[k];
    const float* wk = w + k * ldw;
    __m512 wv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) wv[v] = _mm512_loadu_ps(wk + 16 * v);
#pragma GCC unroll 24
    for (int i = 0; i < MR; ++i) {
      const __m512 xb = _mm512_set1_ps(xk[i * step]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(xb, wv[v], acc[i][v]);
    }
  }
#pragma GCC unroll 24
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const float* r = res != nullptr ? res + i * ldy + 16 * v : nullptr;
      _mm512_mask_storeu_ps(y + i * ldy + 16 * v, mk[v], finish_avx512<M>(acc[i][v], mk[v], r, act));
    }
  }
}

// The last t < MR positions of a row in one block of exactly t (T counts down to t), so a row
// of 10 (LeNet's second conv, NHWC, one vector of channels) is one block of 10 FMA chains, not
// 6 + 3 + 1 (a short block is bound by the FMA's latency, not its rate).
template <int NV, int T, int SC, int M>
void exact_tail(int64_t t, int64_t kd, const int64_t* tap, const float* wc, int64_t ldw, const float* x,
                int64_t sc, const float* bc, const __mmask16* mk, int64_t ldy, float* y, const float* res,
                activation act) {
  if (t == T) return block<NV, T, SC, M>(kd, tap, wc, ldw, x, sc, bc, mk, y, ldy, res, act);
  if constexpr (T > 1) exact_tail<NV, T - 1, SC, M>(t, kd, tap, wc, ldw, x, sc, bc, mk, ldy, y, res, act);
}

// One output row, channels [c0, c0 + 16 * NV) (the last vector masked to cout): blocks of MR
// positions, the tail in one block of its length. Each position's sums are the same FMAs in the
// same order whatever its block.
template <int NV, int SC, int M>
void row(int64_t kd, const int64_t* tap, const float* w, int64_t ldw, const float* x, int64_t sc, int64_t n,
         const float* bias, int64_t c0, int64_t cout, int64_t ldy, float* y, const float* res, activation act) {
  constexpr int MR = 24 / NV;
  __mmask16 mk[NV];
  for (int v = 0; v < NV; ++v) mk[v] = tail_mask(cout - c0 - 16 * v);
  const float* wc = w + c0;
  const float* bc = bias + c0;
  const int64_t step = SC > 0 ? SC : sc;
  int64_t i = 0;
  for (; i + MR <= n; i += MR) {
    block<NV, MR, SC, M>(kd, tap, wc, ldw, x + i * step, sc, bc, mk, y + i * ldy + c0, ldy,
                         res != nullptr ? res + i * ldy + c0 : nullptr, act);
  }
  if (i < n) {
    exact_tail<NV, MR - 1, SC, M>(n - i, kd, tap, wc, ldw, x + i * step, sc, bc, mk, ldy, y + i * ldy + c0,
                                  res != nullptr ? res + i * ldy + c0 : nullptr, act);
  }
}

template <int SC, int M>
void row_all_channels(int64_t kd, const int64_t* tap, const float* w, int64_t ldw, const float* x, int64_t sc,
                      int64_t n, const float* bias, int64_t cout, int64_t ldy, float* y, const float* res,
                      activation act) {
  for (int64_t c0 = 0; c0 < cout; c0 += 64) {
    const int64_t left = cout - c0;
    if (left > 32) {
      row<4, SC, M>(kd, tap, w, ldw, x, sc, n, bias, c0, cout, ldy, y, res, act);
    } else if (left > 16) {
      row<2, SC, M>(kd, tap, w, ldw, x, sc, n, bias, c0, cout, ldy, y, res, act);
    } else {
      row<1, SC, M>(kd, tap, w, ldw, x, sc, n, bias, c0, cout, ldy, y, res, act);
    }
  }
}

template <int M>
void row_mode(int64_t kd, const int64_t* tap, const float* w, int64_t ldw, const float* x, int64_t sc, int64_t n,
              const float* bias, int64_t cout, int64_t ldy, float* y, const float* res, activation act) {
  switch (sc) {
    case 3: return row_all_channels<3, M>(kd, tap, w, ldw, x, sc, n, bias, cout, ldy, y, res, act);
    case 6: return row_all_channels<6, M>(kd, tap, w, ldw, x, sc, n, bias, cout, ldy, y, res, act);
    default: return row_all_channels<0, M>(kd, tap, w, ldw, x, sc, n, bias, cout, ldy, y, res, act);
  }
}

}  // namespace

void f32_conv2d_direct_nhwc_row__avx512(int64_t kd, const int64_t* tap, const float* w, int64_t ldw,
                                        const float* x, int64_t sc, int64_t n, const float* bias, int64_t cout,
                                        int64_t ldy, float* y, const float* res, activation act) {
  switch (finish_mode_of(res != nullptr, act)) {
    case kFinishNone: return row_mode<kFinishNone>(kd, tap, w, ldw, x, sc, n, bias, cout, ldy, y, res, act);
    case kFinishRelu: return row_mode<kFinishRelu>(kd, tap, w, ldw, x, sc, n, bias, cout, ldy, y, res, act);
    default: return row_mode<kFinishAny>(kd, tap, w, ldw, x, sc, n, bias, cout, ldy, y, res, act);
  }
}

}  // namespace convkit
