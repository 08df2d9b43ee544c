// Global average pooling, portable (contracts in pool2d/ukernel/ukernels.h). Overflowed sums
// are the driver's (util/fp-overflow.h).
//   NCHW: each channel's plane summed in 16 float lanes (a loop the compiler vectorizes),
//     lanes and tail added in double, times 1 / hw.
//   NHWC: positions summed into the output vector, vectorized over channels, times 1 / hw.
#include <algorithm>
#include <cstdint>

#include "pool2d/ukernel/pool-scalar-common.h"
#include "pool2d/ukernel/ukernels.h"
#include "util/sum.h"

namespace convkit {

void f32_gavgpool_nchw__scalar(const float* x, int64_t channels, int64_t hw, float* y) {
  const float inv = 1.0f / static_cast<float>(hw);
  for (int64_t c = 0; c < channels; ++c) {
    y[c] = static_cast<float>(sum_plane(x + c * hw, hw)) * inv;
  }
}

void f32_gavgpool_nhwc__scalar(const float* x, int64_t channels, int64_t hw, float* y) {
  const float inv = 1.0f / static_cast<float>(hw);
  std::fill(y, y + channels, 0.0f);
  for (int64_t i = 0; i < hw; ++i) {
    const float* xv = x + i * channels;
    for (int64_t c = 0; c < channels; ++c) y[c] += xv[c];
  }
  for (int64_t c = 0; c < channels; ++c) y[c] *= inv;
}

}  // namespace convkit
