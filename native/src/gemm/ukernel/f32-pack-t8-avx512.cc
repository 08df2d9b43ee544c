// Transposing pack of 8 rows, AVX-512 build (ymm code): src is 8 rows [8][ld] of which kc
// columns are read; dst[p*ldd + i] = src[i*ld + p] for i < 8, p < kc. Packs a full MR = 8
// panel of A (ldd = 8) and, four calls per panel, a full NR = 32 panel of B^T (ldd = 32).
// 8x8 blocks go through registers (unpack / shuffle / permute), the k tail element-wise.
// Compiled with the avx512 flags; includes nothing but intrinsics (util/pack-t8-avx.h).
#include <cstdint>

#include "util/pack-t8-avx.h"

namespace convkit {

void f32_pack_t8_ukernel__avx512(int64_t kc, const float* src, int64_t ld, float* dst, int64_t ldd) {
  pack_t8_avx(kc, src, ld, dst, ldd);
}

}  // namespace convkit
