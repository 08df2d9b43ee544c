// Transpose tile, portable (contract in copy/ukernel/ukernels.h): 4x4 blocks, so each x row
// and each y row is touched in runs.
#include <cstdint>

#include "copy/ukernel/ukernels.h"

namespace convkit {

void f32_transpose_tile__scalar(const float* x, int64_t ldx, float* y, int64_t ldy, int64_t rows, int64_t cols) {
  int64_t i = 0;
  for (; i + 4 <= rows; i += 4) {
    const float* x0 = x + i * ldx;
    for (int64_t j = 0; j < cols; ++j) {
      float* yj = y + j * ldy + i;
      yj[0] = x0[j];
      yj[1] = x0[ldx + j];
      yj[2] = x0[2 * ldx + j];
      yj[3] = x0[3 * ldx + j];
    }
  }
  for (; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) y[j * ldy + i] = x[i * ldx + j];
  }
}

}  // namespace convkit
