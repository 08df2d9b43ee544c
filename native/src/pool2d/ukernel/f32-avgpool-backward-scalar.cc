// Average pooling backward, portable (contracts in pool2d/ukernel/ukernels.h): the kernels every
// machine without a vector one runs, pool-portable-backward.h built without ISA flags.
#include <cstdint>

#include "pool2d/ukernel/pool-portable-backward.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

void f32_avgpool_backward_nchw_plane__scalar(const pool2d_params& p, const avg_inverse& d, const avg_columns&,
                                             const float* dyc, float* dxc, float*) {
  avgpool_backward_nchw_plane_portable(p, d, dyc, dxc);
}

void f32_avgpool_backward_nhwc__scalar(const pool2d_params& p, const avg_inverse& d, const avg_columns&,
                                       const float* dy_n, int64_t c0, int64_t nc, float* dx_n) {
  avgpool_backward_nhwc_portable(p, d, dy_n, c0, nc, dx_n);
}

}  // namespace convkit
