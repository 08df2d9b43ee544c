// Sums of float runs shared by the portable reductions (conv2d's bias gradient, global average
// pooling). static inline: private to each file, as util/window.h.
#pragma once
#include <cstdint>

namespace convkit {

// Sum of a[0, n): sixteen float lanes (a[i] into lane i % 16), then the lanes and the tail
// added in double.
static inline double sum_plane(const float* a, int64_t n) {
  float lanes[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int j = 0; j < 16; ++j) lanes[j] += a[i + j];
  }
  double s = 0.0;
  for (int j = 0; j < 16; ++j) s += lanes[j];
  for (; i < n; ++i) s += a[i];
  return s;
}

}  // namespace convkit
