// Transposing pack of 8 rows, AVX-512 build (ymm code): src is 8 rows [8][ld] of which kc
// columns are read; dst[p*ldd + i] = src[i*ld + p] for i < 8, p < kc. Packs a full MR = 8
// panel of A (ldd = 8) and, four calls per panel, a full NR = 32 panel of B^T (ldd = 32).
// 8x8 blocks go through registers (unpack / shuffle / permute), the k tail element-wise.
// Compiled with the avx512 flags; includes nothing but intrinsics (util/transpose8x8-avx.h).
#include <cstdint>

#include "util/transpose8x8-avx.h"

namespace convkit {

void f32_pack_t8_ukernel__avx512(int64_t kc, const float* src, int64_t ld, float* dst, int64_t ldd) {
  const float* r0 = src;
  const float* r1 = src + ld;
  const float* r2 = src + 2 * ld;
  const float* r3 = src + 3 * ld;
  const float* r4 = src + 4 * ld;
  const float* r5 = src + 5 * ld;
  const float* r6 = src + 6 * ld;
  const float* r7 = src + 7 * ld;
  int64_t p = 0;
  for (; p + 8 <= kc; p += 8) transpose8x8(src + p, ld, dst + p * ldd, ldd);
  for (; p < kc; ++p) {
    float* d = dst + p * ldd;
    d[0] = r0[p], d[1] = r1[p], d[2] = r2[p], d[3] = r3[p];
    d[4] = r4[p], d[5] = r5[p], d[6] = r6[p], d[7] = r7[p];
  }
}

}  // namespace convkit
