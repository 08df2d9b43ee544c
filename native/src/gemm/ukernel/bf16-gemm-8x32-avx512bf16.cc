// bf16 GEMM kernels, AVX512_BF16 (contracts in configs/sbgemm-config.h): the 8x32 micro-kernel
// (16 zmm accumulators; per k pair 2 loads of B, 8 broadcasts of an A pair, 16 vdpbf16ps, each
// 32 multiply-adds: twice an fp32 FMA's), its form that finishes the tile in registers (bias,
// residual, activation: a conv's epilogue without reading C back), and the two fp32 ->
// bf16-pair converters the packing is built on (vcvtne2ps2bf16: round to nearest even, as
// float_to_bf16).
// Compiled with the AVX-512 flags plus -mavx512bf16; includes only intrinsics and static
// inline helpers (gemm-tile-avx512.h).
#include "util/x86-intrinsics.h"
#include <cstdint>

#include "conv2d/ukernel/ukernels.h"  // with_activation
#include "gemm/ukernel/gemm-tile-avx512.h"

namespace convkit {
namespace {

inline __m512bh as_bh(__m512i v) { return reinterpret_cast<__m512bh&>(v); }
inline __m512i as_si(__m512bh v) { return reinterpret_cast<__m512i&>(v); }

// 16 floats from each of lo and hi (masked past n), rounded: 32 bf16, lo's first.
inline __m512i cvt32(const float* src, int64_t n) {
  const __mmask16 m0 = n >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (n > 0 ? n : 0)) - 1);
  const int64_t n1 = n - 16;
  const __mmask16 m1 = n1 >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (n1 > 0 ? n1 : 0)) - 1);
  const __m512 lo = _mm512_maskz_loadu_ps(m0, src);
  const __m512 hi = _mm512_maskz_loadu_ps(m1, src + 16);
  return as_si(_mm512_cvtne2ps_pbh(hi, lo));
}

// acc = the sum over the kp pairs of the A and B micro-panels. A's pair (i, q) is at
// a32[q * 8 + i] packed (lda 0), or a32[i * lda + q] in rows of pairs (lda pairs apart).
template <bool Rows>
inline void accumulate_8x32(int64_t kp, const uint16_t* a, int64_t lda, const uint16_t* b, __m512 (&acc)[8][2]) {
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  const int32_t* a32 = reinterpret_cast<const int32_t*>(a);
  for (int64_t p = 0; p < kp; ++p) {
    const __m512bh b0 = as_bh(_mm512_loadu_si512(b));
    const __m512bh b1 = as_bh(_mm512_loadu_si512(b + 32));
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      const __m512bh ai = as_bh(_mm512_set1_epi32(Rows ? a32[i * lda] : a32[i]));
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], ai, b0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], ai, b1);
    }
    a32 += Rows ? 1 : 8;
    b += 64;
  }
}

inline void accumulate_8x32(int64_t kp, const uint16_t* a, int64_t lda, const uint16_t* b, __m512 (&acc)[8][2]) {
  if (lda != 0) {
    accumulate_8x32<true>(kp, a, lda, b, acc);
  } else {
    accumulate_8x32<false>(kp, a, 0, b, acc);
  }
}

}  // namespace

void bf16_gemm_ukernel_8x32__avx512bf16(int64_t kp, const uint16_t* a, int64_t lda, const uint16_t* b, float* c,
                                        int64_t ldc, float alpha, float beta) {
  prefetch_c_8x32(c, ldc);
  __m512 acc[8][2];
  accumulate_8x32(kp, a, lda, b, acc);
  store_c_8x32(acc, c, ldc, alpha, beta);
}

void bf16_gemm_ukernel_8x32_finish__avx512bf16(int64_t kp, const uint16_t* a, int64_t lda, const uint16_t* b,
                                               float* c, int64_t ldc, float alpha, float beta, const float* bias,
                                               const float* res, activation act) {
  prefetch_c_8x32(c, ldc);
  if (res != nullptr) prefetch_c_8x32(res, ldc);
  __m512 acc[8][2];
  accumulate_8x32(kp, a, lda, b, acc);
  with_activation(act, [&](auto tag) {
    store_finished_8x32<decltype(tag)::value>(acc, c, ldc, alpha, beta, bias, res);
  });
}

// dst[i] = src[i] rounded to bf16 and widened back (vcvtneps2bf16, then the bits shifted up).
void bf16_round__avx512bf16(int64_t n, const float* src, float* dst) {
  for (int64_t i = 0; i < n; i += 16) {
    const int64_t left = n - i;
    const __mmask16 m = left >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << left) - 1);
    const __m256bh h = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, src + i));
    const __m512i w = _mm512_slli_epi32(_mm512_cvtepu16_epi32(reinterpret_cast<const __m256i&>(h)), 16);
    _mm512_mask_storeu_ps(dst + i, m, _mm512_castsi512_ps(w));
  }
}

// Along a row: dst[q] = (bf16 src[2q], bf16 src[2q + 1]) for q < ceil(n / 2), a zero past n.
void bf16_pairs_along__avx512bf16(int64_t n, const float* src, uint32_t* dst) {
  int64_t p = 0;
  for (; p + 32 <= n; p += 32) _mm512_storeu_si512(dst + p / 2, cvt32(src + p, 32));
  if (p < n) {
    const int64_t q = (n - p + 1) / 2;
    _mm512_mask_storeu_epi32(dst + p / 2, static_cast<__mmask16>((1u << q) - 1), cvt32(src + p, n - p));
  }
}

// Across two rows: dst[j] = (bf16 r0[j], bf16 r1[j]) for j < n (r1 null: zeros).
void bf16_pairs_across__avx512bf16(int64_t n, const float* r0, const float* r1, uint32_t* dst) {
  // cvtne2ps(r1, r0) holds r0's 16 then r1's 16; interleave them as pairs.
  alignas(64) static const uint16_t kInter[32] = {0, 16, 1, 17, 2,  18, 3,  19, 4,  20, 5,  21, 6,  22, 7,  23,
                                                  8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
  const __m512i inter = _mm512_load_si512(kInter);
  for (int64_t j = 0; j < n; j += 16) {
    const int64_t left = n - j;
    const __mmask16 m = left >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << left) - 1);
    const __m512 v0 = _mm512_maskz_loadu_ps(m, r0 + j);
    const __m512 v1 = r1 ? _mm512_maskz_loadu_ps(m, r1 + j) : _mm512_setzero_ps();
    const __m512i pairs = _mm512_permutexvar_epi16(inter, as_si(_mm512_cvtne2ps_pbh(v1, v0)));
    _mm512_mask_storeu_epi32(dst + j, m, pairs);
  }
}

}  // namespace convkit
