// Max pooling backward, portable, any window (contracts in pool2d/ukernel/ukernels.h): the
// kernels every machine without a vector one runs, pool-portable-backward.h built without ISA
// flags.
#include <cstdint>

#include "pool2d/ukernel/pool-portable-backward.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

void f32_maxpool_backward_nchw_plane__scalar(const pool2d_params& p, const float* dyc, const float* xc,
                                             float* dxc, float*) {
  maxpool_backward_nchw_plane_portable(p, dyc, xc, dxc);
}

void f32_maxpool_backward_nhwc__scalar(const pool2d_params& p, const float* dy_n, const float* x_n, int64_t c0,
                                       int64_t nc, float* dx_n) {
  maxpool_backward_nhwc_portable(p, dy_n, x_n, c0, nc, dx_n);
}

}  // namespace convkit
