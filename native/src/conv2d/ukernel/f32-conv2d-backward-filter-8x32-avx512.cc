// The conv backward-filter (dw) tile 8 x 32, AVX-512F (contract in conv2d/ukernel/ukernels.h),
// for conv2d-backward-filter.cc: A packed [kc][8] (dy), row p of B read at b + p*ldb (32
// channels of one tap at flat position p of a zero-padded NHWC image), so dw needs no im2col
// copy. The tile body: gemm-tile-8xn-inplace-avx512.h.
// Compiled with the AVX-512 flags; uses intrinsics and plain loops only.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "conv2d/ukernel/gemm-tile-8xn-inplace-avx512.h"
#include "conv2d/ukernel/ukernels.h"

namespace convkit {
namespace {

// A(i, p) from a packed micro-panel [kc][8].
struct a_packed {
  const float* a;
  float at(int i, int64_t p) const { return a[p * 8 + i]; }
};

}  // namespace

void f32_conv2d_backward_filter_ukernel_8x32__avx512(int64_t kc, const float* a, const float* b,
                                                     int64_t ldb, float* c, int64_t ldc,
                                                     bool accumulate) {
  tile<2>(kc, a_packed{a}, b, ldb, c, ldc, accumulate ? 1.0f : 0.0f);
}

}  // namespace convkit
