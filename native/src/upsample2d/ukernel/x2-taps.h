// The rule every ISA's x2 upsample kernels share (f32-upsample-*.cc): linear_row_x2's taps for
// output pixel j of a row of w source pixels (ukernels.h), and the walk over the row pairs of
// bilinear_rows_x2. Plain C++, static inline: safe to include at any ISA's flags.
#pragma once
#include <cstdint>

namespace convkit {

// Output pixel j reads source pixels a, b with weights wa, wb: j = 0 is pixel 0 (weight 1),
// even j blends k - 1 and k (1/4, 3/4), odd j blends k and min(k + 1, w - 1) (3/4, 1/4), k = j / 2.
static inline void x2_taps(int64_t j, int64_t w, int64_t& a, int64_t& b, float& wa, float& wb) {
  const int64_t k = j / 2, last = w - 1;
  a = k;
  b = k;
  wa = 0.75f;
  wb = 0.25f;
  if (j == 0) {
    b = last > 0 ? 1 : 0;
    wa = 1.0f;
    wb = 0.0f;
  } else if (j % 2 == 0) {
    a = k - 1;
    wa = 0.25f;
    wb = 0.75f;
  } else {
    b = k < last ? k + 1 : k;
  }
}

// bilinear_rows_x2's pairs: pair(r0, r1, y0, y1) for source rows r0, r1 (w pixels of c channels)
// and output rows y0, y1 (2w pixels).
template <class Pair>
static inline void for_each_row_pair_x2(const float* r, float* y, int64_t pairs, int64_t w, int64_t c, Pair pair) {
  for (int64_t p = 0; p < pairs; ++p) {
    const float* r0 = r + p * w * c;
    float* y0 = y + 4 * p * w * c;
    pair(r0, r0 + w * c, y0, y0 + 2 * w * c);
  }
}

}  // namespace convkit
