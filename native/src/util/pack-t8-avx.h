// The transposing pack of 8 rows through ymm registers (util/transpose8x8-avx.h), shared by
// the AVX2 and AVX-512 builds of f32_pack_t8_ukernel (gemm/ukernel/ukernels.h): dst[p*ldd + i]
// = src[i*ld + p] for i < 8, p < kc; 8x8 blocks in registers, the k tail element-wise.
// Include only from files built with AVX2 or AVX-512 flags; static inline: private to each.
#pragma once
#include <cstdint>

#include "util/transpose8x8-avx.h"

namespace convkit {

static inline void pack_t8_avx(int64_t kc, const float* src, int64_t ld, float* dst, int64_t ldd) {
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
