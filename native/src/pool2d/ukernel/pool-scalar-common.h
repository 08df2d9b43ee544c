// Helpers of the portable pooling kernels (f32-*-scalar.cc): PyTorch's NaN rules for max and
// the non-finite scan the avg fix-up starts from. static inline: private to each file.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

namespace convkit {

constexpr float kPoolNegInf = -std::numeric_limits<float>::infinity();

// Max that keeps NaN: a NaN input wins and stays.
static inline float max_nan(float best, float v) { return (v > best || v != v) ? v : best; }

// The first maximum of a scan, a NaN counting as the maximum (the first NaN wins).
static inline bool takes_max(bool first, float v, float best) {
  return first || v > best || (v != v && best == best);
}

// Whether any of y[0, n) is Inf or NaN (|bits| above FLT_MAX's). The core is built for
// baseline x86-64 (SSE2), where a signed compare-and-or vectorizes and an unsigned max does not.
static inline bool any_nonfinite(const float* y, int64_t n) {
  int32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    int32_t u;
    std::memcpy(&u, y + i, 4);
    bad |= static_cast<int32_t>((u & 0x7fffffff) > 0x7f7fffff);
  }
  return bad != 0;
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
