// Transposing pack of 8 rows, AVX-512 build (ymm code): src is 8 rows [8][ld] of which kc
// columns are read; dst[p*ldd + i] = src[i*ld + p] for i < 8, p < kc. Packs a full MR = 8
// panel of A (ldd = 8) and, four calls per panel, a full NR = 32 panel of B^T (ldd = 32).
// 8x8 blocks go through registers (unpack / shuffle / permute), the k tail element-wise.
// Compiled with the avx512 flags; includes nothing but intrinsics.
#include "util/x86-intrinsics.h"
#include <cstdint>

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
  for (; p + 8 <= kc; p += 8) {
    const __m256 a0 = _mm256_loadu_ps(r0 + p), a1 = _mm256_loadu_ps(r1 + p);
    const __m256 a2 = _mm256_loadu_ps(r2 + p), a3 = _mm256_loadu_ps(r3 + p);
    const __m256 a4 = _mm256_loadu_ps(r4 + p), a5 = _mm256_loadu_ps(r5 + p);
    const __m256 a6 = _mm256_loadu_ps(r6 + p), a7 = _mm256_loadu_ps(r7 + p);
    // t: pairs of rows interleaved; s: columns (c, c+4) of 4 rows; o: whole columns.
    const __m256 t0 = _mm256_unpacklo_ps(a0, a1), t1 = _mm256_unpackhi_ps(a0, a1);
    const __m256 t2 = _mm256_unpacklo_ps(a2, a3), t3 = _mm256_unpackhi_ps(a2, a3);
    const __m256 t4 = _mm256_unpacklo_ps(a4, a5), t5 = _mm256_unpackhi_ps(a4, a5);
    const __m256 t6 = _mm256_unpacklo_ps(a6, a7), t7 = _mm256_unpackhi_ps(a6, a7);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    float* d = dst + p * ldd;
    _mm256_storeu_ps(d + 0 * ldd, _mm256_permute2f128_ps(s0, s4, 0x20));
    _mm256_storeu_ps(d + 1 * ldd, _mm256_permute2f128_ps(s1, s5, 0x20));
    _mm256_storeu_ps(d + 2 * ldd, _mm256_permute2f128_ps(s2, s6, 0x20));
    _mm256_storeu_ps(d + 3 * ldd, _mm256_permute2f128_ps(s3, s7, 0x20));
    _mm256_storeu_ps(d + 4 * ldd, _mm256_permute2f128_ps(s0, s4, 0x31));
    _mm256_storeu_ps(d + 5 * ldd, _mm256_permute2f128_ps(s1, s5, 0x31));
    _mm256_storeu_ps(d + 6 * ldd, _mm256_permute2f128_ps(s2, s6, 0x31));
    _mm256_storeu_ps(d + 7 * ldd, _mm256_permute2f128_ps(s3, s7, 0x31));
  }
  for (; p < kc; ++p) {
    float* d = dst + p * ldd;
    d[0] = r0[p], d[1] = r1[p], d[2] = r2[p], d[3] = r3[p];
    d[4] = r4[p], d[5] = r5[p], d[6] = r6[p], d[7] = r7[p];
  }
}

}  // namespace convkit
