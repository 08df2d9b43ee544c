// Direct NHWC convolution of few input channels (a stem, LeNet's second layer, SqueezeNet's
// 16-channel expands), AVX2 + FMA, one output row per call (contract:
// f32_conv2d_direct_nhwc_row_fn in conv2d/ukernel/ukernels.h): the AVX-512 kernel's scheme on
// 8 lanes. Output channels in the lanes, positions in the rows of the register tile: MR
// positions x NV vectors of 8 channels (12 accumulators: 6 x 2 or 12 x 1, the 16 ymm registers
// holding them, the tap's NV weight vectors and one broadcast), per tap NV weight loads and MR
// broadcasts of x straight from the padded NHWC row (at constant displacements when stride *
// Cin is 3 or 6), so the outputs are written as NHWC pixels with no transpose. The bias starts
// the sums (w and bias are zero-padded to ldw: plain loads); ReLU in registers; a residual or
// another activation by the AVX2 epilogue over the finished row (n x cout floats, in L1).
// Compiled with the AVX2 flags; intrinsics and plain loops only.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "conv2d/ukernel/ukernels.h"
#include "util/avx2-helpers.h"

namespace convkit {
namespace {

// Positions [0, MR) of one block, channels [0, 8 * NV) from w / bias / y (the last vector
// stored under `last`): x position i at x + i * step.
template <int NV, int MR, int SC, bool Relu>
inline void block(int64_t kd, const int64_t* tap, const float* w, int64_t ldw, const float* x, int64_t sc,
                  const float* bias, __m256i last, bool masked, float* y, int64_t ldy) {
  const int64_t step = SC > 0 ? SC : sc;
  __m256 acc[MR][NV];
#pragma GCC unroll 2
  for (int v = 0; v < NV; ++v) {
    const __m256 b = _mm256_loadu_ps(bias + 8 * v);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) acc[i][v] = b;
  }
  for (int64_t k = 0; k < kd; ++k) {
    const float* xk = x + tap[k];
    const float* wk = w + k * ldw;
    __m256 wv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) wv[v] = _mm256_loadu_ps(wk + 8 * v);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
      const __m256 xb = _mm256_broadcast_ss(xk + i * step);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(xb, wv[v], acc[i][v]);
    }
  }
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      const __m256 out = Relu ? _mm256_max_ps(acc[i][v], _mm256_setzero_ps()) : acc[i][v];
      if (v == NV - 1 && masked) {
        _mm256_maskstore_ps(y + i * ldy + 8 * v, last, out);
      } else {
        _mm256_storeu_ps(y + i * ldy + 8 * v, out);
      }
    }
  }
}

// The last t < MR positions of a row in one block of exactly t (T counts down to t): a short
// block is bound by the FMA's latency, not its rate.
template <int NV, int T, int SC, bool Relu>
void exact_tail(int64_t t, int64_t kd, const int64_t* tap, const float* w, int64_t ldw, const float* x,
                int64_t sc, const float* bias, __m256i last, bool masked, float* y, int64_t ldy) {
  if (t == T) return block<NV, T, SC, Relu>(kd, tap, w, ldw, x, sc, bias, last, masked, y, ldy);
  if constexpr (T > 1) exact_tail<NV, T - 1, SC, Relu>(t, kd, tap, w, ldw, x, sc, bias, last, masked, y, ldy);
}

// One output row, channels [c0, c0 + 8 * NV) (the last vector masked to cout): blocks of MR
// positions, the tail in one block of its length. Each position's sums are the same FMAs in the
// same order whatever its block.
template <int NV, int SC, bool Relu>
void row(int64_t kd, const int64_t* tap, const float* w, int64_t ldw, const float* x, int64_t sc, int64_t n,
         const float* bias, int64_t c0, int64_t cout, int64_t ldy, float* y) {
  constexpr int MR = 12 / NV;
  const int64_t left = cout - c0 - 8 * (NV - 1);  // channels in the last vector
  const __m256i last = lanes_below(left);
  const bool masked = left < 8;
  const float* wc = w + c0;
  const float* bc = bias + c0;
  const int64_t step = SC > 0 ? SC : sc;
  int64_t i = 0;
  for (; i + MR <= n; i += MR) {
    block<NV, MR, SC, Relu>(kd, tap, wc, ldw, x + i * step, sc, bc, last, masked, y + i * ldy + c0, ldy);
  }
  if (i < n) {
    exact_tail<NV, MR - 1, SC, Relu>(n - i, kd, tap, wc, ldw, x + i * step, sc, bc, last, masked,
                                     y + i * ldy + c0, ldy);
  }
}

// Every channel: passes of 16 (two vectors), the last pass of 8 or fewer in one.
template <int SC, bool Relu>
void row_all_channels(int64_t kd, const int64_t* tap, const float* w, int64_t ldw, const float* x, int64_t sc,
                      int64_t n, const float* bias, int64_t cout, int64_t ldy, float* y) {
  for (int64_t c0 = 0; c0 < cout; c0 += 16) {
    if (cout - c0 > 8) {
      row<2, SC, Relu>(kd, tap, w, ldw, x, sc, n, bias, c0, cout, ldy, y);
    } else {
      row<1, SC, Relu>(kd, tap, w, ldw, x, sc, n, bias, c0, cout, ldy, y);
    }
  }
}

template <bool Relu>
void row_mode(int64_t kd, const int64_t* tap, const float* w, int64_t ldw, const float* x, int64_t sc, int64_t n,
              const float* bias, int64_t cout, int64_t ldy, float* y) {
  switch (sc) {
    case 3: return row_all_channels<3, Relu>(kd, tap, w, ldw, x, sc, n, bias, cout, ldy, y);
    case 6: return row_all_channels<6, Relu>(kd, tap, w, ldw, x, sc, n, bias, cout, ldy, y);
    default: return row_all_channels<0, Relu>(kd, tap, w, ldw, x, sc, n, bias, cout, ldy, y);
  }
}

}  // namespace

void f32_conv2d_direct_nhwc_row__avx2(int64_t kd, const int64_t* tap, const float* w, int64_t ldw,
                                      const float* x, int64_t sc, int64_t n, const float* bias, int64_t cout,
                                      int64_t ldy, float* y, const float* res, activation act) {
  const bool relu_only = res == nullptr && act == activation::relu;
  if (relu_only) {
    row_mode<true>(kd, tap, w, ldw, x, sc, n, bias, cout, ldy, y);
    return;
  }
  row_mode<false>(kd, tap, w, ldw, x, sc, n, bias, cout, ldy, y);
  if (res != nullptr || act != activation::none) {
    // n pixels of cout channels, y's pixel stride ldy (== cout with a residual: the contract).
    f32_conv2d_epilogue_rows__avx2(y, n, cout, ldy, nullptr, false, res, act);
  }
}

}  // namespace convkit
