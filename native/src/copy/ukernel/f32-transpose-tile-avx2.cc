// Transpose tile, AVX2 (contract in copy/ukernel/ukernels.h): 8x8 blocks through registers
// (unpack, shuffle, permute), scalar edges. Also the AVX-512 level's kernel: a 16x16 block
// gains nothing on a copy bound by memory. Compiled with the AVX2 flags.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "copy/ukernel/ukernels.h"
#include "util/transpose8x8-avx.h"

namespace convkit {

void f32_transpose_tile__avx2(const float* x, int64_t ldx, float* y, int64_t ldy, int64_t rows, int64_t cols) {
  const int64_t r8 = rows & ~int64_t{7}, c8 = cols & ~int64_t{7};
  for (int64_t i = 0; i < r8; i += 8) {
    for (int64_t j = 0; j < c8; j += 8) transpose8x8(x + i * ldx + j, ldx, y + j * ldy + i, ldy);
    for (int64_t j = c8; j < cols; ++j) {
      for (int64_t k = 0; k < 8; ++k) y[j * ldy + i + k] = x[(i + k) * ldx + j];
    }
  }
  for (int64_t i = r8; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) y[j * ldy + i] = x[i * ldx + j];
  }
}

}  // namespace convkit
