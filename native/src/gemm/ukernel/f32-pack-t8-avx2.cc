// Transposing pack of 8 rows, AVX2 build: the same code as the AVX-512 build's
// (util/pack-t8-avx.h). Compiled with the AVX2 flags.
#include <cstdint>

#include "util/pack-t8-avx.h"

namespace convkit {

void f32_pack_t8_ukernel__avx2(int64_t kc, const float* src, int64_t ld, float* dst, int64_t ldd) {
  pack_t8_avx(kc, src, ld, dst, ldd);
}

}  // namespace convkit
