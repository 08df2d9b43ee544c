// Max pooling forward, portable (contracts in pool2d/ukernel/ukernels.h): the kernels every
// machine without a vector max pool runs, pool-portable-forward.h built without ISA flags.
#include <cstdint>

#include "pool2d/ukernel/pool-portable-forward.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

void f32_maxpool_nchw_plane__scalar(const pool2d_params& p, const float* xc, float* yc, float* s) {
  maxpool_nchw_plane_portable(p, xc, yc, s);
}

void f32_maxpool_nhwc_row__scalar(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow, float* s) {
  maxpool_nhwc_row_portable(p, x_n, oh, yrow, s);
}

}  // namespace convkit
