// The direct dw kernel of stride-1 NCHW convolutions with few channels, AVX-512 (contract in
// ukernels.h; the body in backward-filter-direct.h): blocks of up to 4 dy rows x 6 taps of 16
// positions.
// Compiled with the AVX-512 flags; intrinsics and internal-linkage templates only.
#include "util/x86-intrinsics.h"
#include <cstdint>

#include "conv2d/ukernel/ukernels.h"

namespace convkit {
namespace {

struct ops512 {
  using V = __m512;
  static constexpr int kLanes = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
};

}  // namespace
}  // namespace convkit

#include "conv2d/ukernel/backward-filter-direct.h"

namespace convkit {

void f32_conv2d_backward_filter_direct__avx512(int64_t nq, const float* dy, int64_t ldd, int64_t nc, const float* x,
                                               const int64_t* off, int64_t nt, float* acc, int64_t lda) {
  dw_direct<ops512, 4, 6>(nq, dy, ldd, nc, x, off, nt, acc, lda);
}

}  // namespace convkit
