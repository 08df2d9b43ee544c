// Global max pooling, portable (contracts in pool2d/ukernel/ukernels.h); NaN wins and stays.
//   NCHW: y[c] = max of channel c's plane x[c*hw .. c*hw + hw).
//   NHWC: y[c] = max over positions i of x[i*channels + c], vectorized over channels.
#include <algorithm>
#include <cstdint>

#include "pool2d/ukernel/pool-scalar-common.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

void f32_gmaxpool_nchw__scalar(const float* x, int64_t channels, int64_t hw, float* y) {
  for (int64_t c = 0; c < channels; ++c) {
    const float* xc = x + c * hw;
    float best = kPoolNegInf;
    for (int64_t i = 0; i < hw; ++i) best = max_nan(best, xc[i]);
    y[c] = best;
  }
}

void f32_gmaxpool_nhwc__scalar(const float* x, int64_t channels, int64_t hw, float* y) {
  std::fill(y, y + channels, kPoolNegInf);
  for (int64_t i = 0; i < hw; ++i) {
    const float* xv = x + i * channels;
    for (int64_t c = 0; c < channels; ++c) y[c] = max_nan(y[c], xv[c]);
  }
}

}  // namespace convkit
