// The direct dw kernel of stride-1 NCHW convolutions with few channels, AVX2 + FMA (contract in
// ukernels.h; the body in backward-filter-direct.h): blocks of up to 3 dy rows x 4 taps of 8
// positions (12 accumulators, 3 dy vectors and one input vector: the 16 ymm registers); the 8
// lane sums go to the first 8 floats of each 16-float slot (the driver sums all 16).
// Compiled with the AVX2 flags; intrinsics and internal-linkage templates only.
#include "util/x86-intrinsics.h"
#include <cstdint>

#include "conv2d/ukernel/ukernels.h"

namespace convkit {
namespace {

struct ops256 {
  using V = __m256;
  static constexpr int kLanes = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
};

}  // namespace
}  // namespace convkit

#include "conv2d/ukernel/backward-filter-direct.h"

namespace convkit {

void f32_conv2d_backward_filter_direct__avx2(int64_t nq, const float* dy, int64_t ldd, int64_t nc, const float* x,
                                             const int64_t* off, int64_t nt, float* acc, int64_t lda) {
  dw_direct<ops256, 3, 4>(nq, dy, ldd, nc, x, off, nt, acc, lda);
}

}  // namespace convkit
