// The direct conv path's NHWC store (contract f32_conv2d_tile_to_nhwc_fn in
// conv2d/ukernel/ukernels.h), shared by the AVX-512 and AVX2 builds: a [rows <= 8][ld] tile of
// output channels x positions written as positions of y, through 8 x 8 transposes in ymm
// registers; store_rows(dst, v) writes lanes [0, rows) of v (the builds' masked stores).
// Include only from files built with AVX2 or AVX-512 flags; static inline: private to each.
#pragma once
#include "util/x86-intrinsics.h"

#include <cstdint>

namespace convkit {

// 8 x 8 blocks transposed in registers (unpack, shuffle, 128-bit permute: 24 shuffles per 64
// floats), each position's rows written with one store, against 8 scalar loads and stores per
// position in a plain loop (which took a quarter of lenet1 NHWC's time).
template <class StoreRows>
static inline void tile_to_nhwc_avx(const float* tile, int64_t ld, float* y, int64_t ldy, int64_t cnt, int64_t rows,
                                    const StoreRows& store_rows) {
  // Rows past `rows` read row 0 again: in bounds whatever the tile's height, and masked out.
  const float* r[8];
  for (int j = 0; j < 8; ++j) r[j] = tile + (j < rows ? j : 0) * ld;
  int64_t i = 0;
  for (; i + 8 <= cnt; i += 8) {
    const __m256 t0 = _mm256_unpacklo_ps(_mm256_loadu_ps(r[0] + i), _mm256_loadu_ps(r[1] + i));
    const __m256 t1 = _mm256_unpackhi_ps(_mm256_loadu_ps(r[0] + i), _mm256_loadu_ps(r[1] + i));
    const __m256 t2 = _mm256_unpacklo_ps(_mm256_loadu_ps(r[2] + i), _mm256_loadu_ps(r[3] + i));
    const __m256 t3 = _mm256_unpackhi_ps(_mm256_loadu_ps(r[2] + i), _mm256_loadu_ps(r[3] + i));
    const __m256 t4 = _mm256_unpacklo_ps(_mm256_loadu_ps(r[4] + i), _mm256_loadu_ps(r[5] + i));
    const __m256 t5 = _mm256_unpackhi_ps(_mm256_loadu_ps(r[4] + i), _mm256_loadu_ps(r[5] + i));
    const __m256 t6 = _mm256_unpacklo_ps(_mm256_loadu_ps(r[6] + i), _mm256_loadu_ps(r[7] + i));
    const __m256 t7 = _mm256_unpackhi_ps(_mm256_loadu_ps(r[6] + i), _mm256_loadu_ps(r[7] + i));
    // s{k}: rows 0-3 (k < 4) or 4-7 of positions k % 4 and k % 4 + 4, one per 128-bit half.
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    const __m256 c[8] = {_mm256_permute2f128_ps(s0, s4, 0x20), _mm256_permute2f128_ps(s1, s5, 0x20),
                         _mm256_permute2f128_ps(s2, s6, 0x20), _mm256_permute2f128_ps(s3, s7, 0x20),
                         _mm256_permute2f128_ps(s0, s4, 0x31), _mm256_permute2f128_ps(s1, s5, 0x31),
                         _mm256_permute2f128_ps(s2, s6, 0x31), _mm256_permute2f128_ps(s3, s7, 0x31)};
    float* yi = y + i * ldy;
    // Masked stores that cross a cache line are slow (lenet1 NHWC, 6 channels: 12% slower than
    // scalar stores), so whole stores wherever they write nothing they should not.
    if (rows == 8) {
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) _mm256_storeu_ps(yi + k * ldy, c[k]);
    } else if (ldy == rows && rows >= 4) {
      // Positions back to back: whole stores in order, each one's extra lanes rewritten by
      // the next ones; the last one masked. Store k ends at (i + k) * rows + 8, inside the
      // block's (i + 8) * rows for k <= 6 when rows >= 4.
#pragma GCC unroll 7
      for (int k = 0; k < 7; ++k) _mm256_storeu_ps(yi + k * ldy, c[k]);
      store_rows(yi + 7 * ldy, c[7]);
    } else {
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) store_rows(yi + k * ldy, c[k]);
    }
  }
  for (; i < cnt; ++i) {
    float* yv = y + i * ldy;
    for (int64_t j = 0; j < rows; ++j) yv[j] = r[j][i];
  }
}

}  // namespace convkit
