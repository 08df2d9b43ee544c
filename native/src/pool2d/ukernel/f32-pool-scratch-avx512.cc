// Scratch floats of the AVX-512 row-buffer pooling kernels, max and avg alike
// (f32-maxpool-avx512.cc, f32-avgpool-avx512.cc; contracts in pool2d/ukernel/ukernels.h).
// Compiled with the AVX-512 flags.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "pool2d/ukernel/pool-avx512-forward.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

int64_t f32_pool_nchw_scratch__avx512(const pool2d_params& p) { return nchw_buf_width(p); }

int64_t f32_pool_nhwc_scratch__avx512(const pool2d_params& p) {
  int64_t right;
  return nhwc_buf_pixels(p, &right) * p.channels + 16;
}

}  // namespace convkit
