// Helpers of the portable pooling kernels (f32-*-scalar.cc): PyTorch's NaN rules for max and
// the column ranges of the row loops. static inline: private to each file.
#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>

namespace convkit {

constexpr float kPoolNegInf = -std::numeric_limits<float>::infinity();

// Max that keeps NaN: a NaN input wins and stays.
static inline float max_nan(float best, float v) { return (v > best || v != v) ? v : best; }

// The first maximum of a scan, a NaN counting as the maximum (the first NaN wins).
static inline bool takes_max(bool first, float v, float best) {
  return first || v > best || (v != v && best == best);
}

// Output columns ow whose input column ow*stride + off is in [0, width): [*lo, *hi).
static inline void valid_cols(int64_t out_w, int64_t stride, int64_t off, int64_t width, int64_t* lo,
                              int64_t* hi) {
  const int64_t first = off >= 0 ? 0 : (-off + stride - 1) / stride;
  const int64_t last = width - 1 - off < 0 ? 0 : (width - 1 - off) / stride + 1;
  *lo = std::min(first, out_w);
  *hi = std::clamp(last, *lo, out_w);
}

}  // namespace convkit
