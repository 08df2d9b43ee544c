// Average pooling forward, portable (contracts in pool2d/ukernel/ukernels.h):
// pool-portable-forward.h built without ISA flags.
#include <cstdint>

#include "pool2d/ukernel/pool-portable-forward.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

void f32_avgpool_nchw_plane__scalar(const pool2d_params& p, const avg_inverse& d, const float* xc, float* yc,
                                    float* s) {
  avgpool_nchw_plane_portable(p, d, xc, yc, s);
}

void f32_avgpool_nhwc_row__scalar(const pool2d_params& p, const avg_inverse& d, const float* x_n, int64_t oh,
                                  float* yrow, float* s) {
  avgpool_nhwc_row_portable(p, d, x_n, oh, yrow, s);
}

}  // namespace convkit
