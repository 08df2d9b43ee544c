// Transpose tile, AVX2 (contract in copy/ukernel/ukernels.h): 8x8 blocks through registers
// (unpack, shuffle, permute), scalar edges. Also the AVX-512 level's kernel: a 16x16 block
// gains nothing on a copy bound by memory. Compiled with the AVX2 flags.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "copy/ukernel/ukernels.h"
#include "util/transpose8x8-avx.h"

namespace convkit {

namespace {

// Three rows of 8 columns interleaved into 24 consecutive floats (y[3j + i] = x_i[j]): an RGB
// image's planes into pixels. Output lane p of vector k reads row (8k + p) % 3, column
// (8k + p) / 3: a permute of each row per output vector, then two blends.
void interleave3(const float* x0, const float* x1, const float* x2, float* y, int64_t cols) {
  const __m256i i00 = _mm256_setr_epi32(0, 0, 0, 1, 0, 0, 2, 0), i01 = _mm256_setr_epi32(0, 0, 0, 0, 1, 0, 0, 2),
                i02 = _mm256_setr_epi32(0, 0, 0, 0, 0, 1, 0, 0);
  const __m256i i10 = _mm256_setr_epi32(0, 3, 0, 0, 4, 0, 0, 5), i11 = _mm256_setr_epi32(0, 0, 3, 0, 0, 4, 0, 0),
                i12 = _mm256_setr_epi32(2, 0, 0, 3, 0, 0, 4, 0);
  const __m256i i20 = _mm256_setr_epi32(0, 0, 6, 0, 0, 7, 0, 0), i21 = _mm256_setr_epi32(5, 0, 0, 6, 0, 0, 7, 0),
                i22 = _mm256_setr_epi32(0, 5, 0, 0, 6, 0, 0, 7);
  // Blend masks (bit p set: lane p from the second operand): row 1's lanes, then row 2's.
  constexpr int kB0 = 0x92, kC0 = 0x24, kB1 = 0x24, kC1 = 0x49, kB2 = 0x49, kC2 = 0x92;
  int64_t j = 0;
  for (; j + 8 <= cols; j += 8) {
    const __m256 a = _mm256_loadu_ps(x0 + j), b = _mm256_loadu_ps(x1 + j), c = _mm256_loadu_ps(x2 + j);
    float* o = y + 3 * j;
    _mm256_storeu_ps(o, _mm256_blend_ps(_mm256_blend_ps(_mm256_permutevar8x32_ps(a, i00), _mm256_permutevar8x32_ps(b, i01), kB0),
                                        _mm256_permutevar8x32_ps(c, i02), kC0));
    _mm256_storeu_ps(o + 8, _mm256_blend_ps(_mm256_blend_ps(_mm256_permutevar8x32_ps(a, i10), _mm256_permutevar8x32_ps(b, i11), kB1),
                                            _mm256_permutevar8x32_ps(c, i12), kC1));
    _mm256_storeu_ps(o + 16, _mm256_blend_ps(_mm256_blend_ps(_mm256_permutevar8x32_ps(a, i20), _mm256_permutevar8x32_ps(b, i21), kB2),
                                             _mm256_permutevar8x32_ps(c, i22), kC2));
  }
  for (; j < cols; ++j) y[3 * j] = x0[j], y[3 * j + 1] = x1[j], y[3 * j + 2] = x2[j];
}

}  // namespace

void f32_transpose_tile__avx2(const float* x, int64_t ldx, float* y, int64_t ldy, int64_t rows, int64_t cols) {
  if (rows == 3 && ldy == 3) return interleave3(x, x + ldx, x + 2 * ldx, y, cols);
  if (rows < 8) {  // few rows (channels into pixels): along y's rows, so writes stay contiguous
    for (int64_t j = 0; j < cols; ++j) {
      for (int64_t i = 0; i < rows; ++i) y[j * ldy + i] = x[i * ldx + j];
    }
    return;
  }
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
