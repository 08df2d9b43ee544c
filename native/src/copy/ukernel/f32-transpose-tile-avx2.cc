// Transpose tile, AVX2 (contract in copy/ukernel/ukernels.h): 8x8 blocks through registers
// (unpack, shuffle, permute), scalar edges. Also the AVX-512 level's kernel: a 16x16 block
// gains nothing on a copy bound by memory. Compiled with the AVX2 flags.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "copy/ukernel/ukernels.h"

namespace convkit {
namespace {

inline void transpose8x8(const float* x, int64_t ldx, float* y, int64_t ldy) {
  const __m256 r0 = _mm256_loadu_ps(x), r1 = _mm256_loadu_ps(x + ldx), r2 = _mm256_loadu_ps(x + 2 * ldx),
               r3 = _mm256_loadu_ps(x + 3 * ldx), r4 = _mm256_loadu_ps(x + 4 * ldx),
               r5 = _mm256_loadu_ps(x + 5 * ldx), r6 = _mm256_loadu_ps(x + 6 * ldx),
               r7 = _mm256_loadu_ps(x + 7 * ldx);
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
  const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
  const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
  const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
  const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
  const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
  const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  _mm256_storeu_ps(y, _mm256_permute2f128_ps(s0, s4, 0x20));
  _mm256_storeu_ps(y + ldy, _mm256_permute2f128_ps(s1, s5, 0x20));
  _mm256_storeu_ps(y + 2 * ldy, _mm256_permute2f128_ps(s2, s6, 0x20));
  _mm256_storeu_ps(y + 3 * ldy, _mm256_permute2f128_ps(s3, s7, 0x20));
  _mm256_storeu_ps(y + 4 * ldy, _mm256_permute2f128_ps(s0, s4, 0x31));
  _mm256_storeu_ps(y + 5 * ldy, _mm256_permute2f128_ps(s1, s5, 0x31));
  _mm256_storeu_ps(y + 6 * ldy, _mm256_permute2f128_ps(s2, s6, 0x31));
  _mm256_storeu_ps(y + 7 * ldy, _mm256_permute2f128_ps(s3, s7, 0x31));
}

}  // namespace

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
