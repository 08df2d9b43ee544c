// PyTorch's average-pool window along one axis, for the drivers and the portable kernels.
// static inline: one private copy per translation unit (see util/window.h).
#pragma once
#include <algorithm>
#include <cstdint>

#include "pool2d/ukernel/ukernels.h"  // axis_window

namespace convkit {

// Output o's window: start = o*stride - pad_before, end = min(start + kernel, size + pad_after);
// [lo, hi) = [start, end) clipped to [0, size); span = end - start (count_include_pad's
// divisor along this axis, taken before clipping).
static inline axis_window avg_window(int64_t o, int64_t stride, int64_t pad_before, int64_t pad_after,
                                     int64_t kernel, int64_t size) {
  const int64_t start = o * stride - pad_before;
  const int64_t end = std::min(start + kernel, size + pad_after);
  return {std::max<int64_t>(start, 0), std::min(end, size), end - start};
}

}  // namespace convkit
