// Max and average pooling forward, AVX2 build: the portable kernels (pool-portable-forward.h)
// compiled with the AVX2 flags, so their inner loops run 8 lanes wide. Same algorithm and
// path names as the portable build (pool_path::nchw / nhwc).
#include <cstdint>

#include "pool2d/ukernel/pool-portable-forward.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

void f32_maxpool_nchw_plane__avx2(const pool2d_params& p, const float* xc, float* yc, float* s) {
  maxpool_nchw_plane_portable(p, xc, yc, s);
}

void f32_maxpool_nhwc_row__avx2(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow, float* s) {
  maxpool_nhwc_row_portable(p, x_n, oh, yrow, s);
}

void f32_avgpool_nchw_plane__avx2(const pool2d_params& p, const avg_inverse& d, const float* xc, float* yc, float* s) {
  avgpool_nchw_plane_portable(p, d, xc, yc, s);
}

void f32_avgpool_nhwc_row__avx2(const pool2d_params& p, const avg_inverse& d, const float* x_n, int64_t oh,
                                float* yrow, float* s) {
  avgpool_nhwc_row_portable(p, d, x_n, oh, yrow, s);
}

}  // namespace convkit
