// The direct conv path's NHWC store, AVX-512F + VL (contract in conv2d/ukernel/ukernels.h):
// conv2d/ukernel/tile-to-nhwc-avx.h with AVX-512VL's masked stores.
// Compiled with the AVX-512 flags; uses intrinsics and plain loops only, so no inline
// function built with these flags leaks into other files.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "conv2d/ukernel/tile-to-nhwc-avx.h"
#include "conv2d/ukernel/ukernels.h"

namespace convkit {

void f32_conv2d_tile_to_nhwc__avx512(const float* tile, int64_t ld, float* y, int64_t ldy,
                                     int64_t cnt, int64_t rows) {
  const __mmask8 keep = static_cast<__mmask8>((1u << rows) - 1);
  tile_to_nhwc_avx(tile, ld, y, ldy, cnt, rows, [keep](float* d, __m256 v) { _mm256_mask_storeu_ps(d, keep, v); });
}

}  // namespace convkit
