// int8 GEMM kernels on AVX512_VNNI (contracts in configs/qgemm-config.h). vpdpbusd sums four
// u8 x s8 products into each int32 lane: 64 multiply-adds an instruction, 4x vfmadd231ps's.
// Tile 12 x 32: 24 int32 accumulators; per k quad 2 loads of B (32 columns x 4 bytes), 12
// broadcasts of an A quad, 24 vpdpbusd. A's rows are read in place (the quantization wrote them).
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "conv2d/ukernel/activation-avx512.h"
#include "conv2d/ukernel/ukernels.h"  // with_activation
#include "gemm/ukernel/s8-gemm.h"

namespace convkit {
namespace {

// acc += u8 quads of a . s8 quads of b. In asm: GCC 12 gives the intrinsic's accumulator a
// register copy and a stack store per instruction (measured at a third of this rate).
inline void dpbusd(__m512i& acc, __m512i a, __m512i b) { __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b)); }

inline __mmask16 lanes(int64_t n) { return n >= 16 ? __mmask16(0xffff) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1); }

template <int R, activation A>
void tile(int64_t kq, const uint8_t* a, int64_t lda, const int8_t* b, int64_t n_eff, const float* scale,
          const int32_t* colsum128, float* c, int64_t ldc, float alpha, float beta, const float* bias,
          const float* res) {
  __m512i acc[R][2];  // every loop over it unrolled, so that it lives in registers
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
  for (int64_t p = 0; p < kq; p += 4) {
    const __m512i b0 = _mm512_loadu_si512(b + p * 32), b1 = _mm512_loadu_si512(b + p * 32 + 64);
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) {
      const __m512i ai = _mm512_set1_epi32(*reinterpret_cast<const int32_t*>(a + i * lda + p));
      dpbusd(acc[i][0], ai, b0);
      dpbusd(acc[i][1], ai, b1);
    }
  }
  const __mmask16 m[2] = {lanes(n_eff), lanes(n_eff - 16)};
  __m512 sv[2];
  __m512i cs[2];
#pragma GCC unroll 2
  for (int v = 0; v < 2; ++v) {
    sv[v] = _mm512_maskz_loadu_ps(m[v], scale + 16 * v);
    cs[v] = _mm512_maskz_loadu_epi32(m[v], colsum128 + 16 * v);
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  __m512 bv[2];
#pragma GCC unroll 2
  for (int v = 0; v < 2; ++v) bv[v] = bias != nullptr ? _mm512_maskz_loadu_ps(m[v], bias + 16 * v) : _mm512_setzero_ps();
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < 2; ++v) {
      if (m[v] == 0) continue;
      float* ci = c + i * ldc + 16 * v;
      __m512 y = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc[i][v], cs[v])), sv[v]);
      if (alpha != 1.0f) y = _mm512_mul_ps(va, y);
      if (beta != 0.0f) {
        __m512 t = _mm512_mul_ps(vb, _mm512_maskz_loadu_ps(m[v], ci));
        __asm__("" : "+v"(y), "+v"(t));  // two roundings, no fused multiply-add (qgemm.h)
        y = _mm512_add_ps(y, t);
      }
      // conv2d's epilogue as f32_conv2d_epilogue__avx512: (y + bias) + res, then the activation.
      if (bias != nullptr) y = _mm512_add_ps(y, bv[v]);
      if (res != nullptr) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(m[v], res + i * ldc + 16 * v));
      if (A != activation::none) y = activate_avx512(A, y);
      _mm512_mask_storeu_ps(ci, m[v], y);
    }
  }
}

}  // namespace

void s8_gemm_ukernel_12x32__avx512vnni(int64_t kq, const uint8_t* a, int64_t lda, int64_t m_eff, const int8_t* b,
                                       int64_t n_eff, const float* scale, const int32_t* colsum128, float* c,
                                       int64_t ldc, float alpha, float beta, const float* bias, const float* res,
                                       activation act) {
  with_activation(act, [&](auto tag) {
    constexpr activation A = decltype(tag)::value;
    switch (m_eff) {
#define CONVKIT_ROWS(r) \
  case r: return tile<r, A>(kq, a, lda, b, n_eff, scale, colsum128, c, ldc, alpha, beta, bias, res);
      CONVKIT_ROWS(12) CONVKIT_ROWS(11) CONVKIT_ROWS(10) CONVKIT_ROWS(9) CONVKIT_ROWS(8) CONVKIT_ROWS(7)
      CONVKIT_ROWS(6) CONVKIT_ROWS(5) CONVKIT_ROWS(4) CONVKIT_ROWS(3) CONVKIT_ROWS(2) CONVKIT_ROWS(1)
#undef CONVKIT_ROWS
      default: return;
    }
  });
}

namespace {

// rne(fl(x / s)) clamped to +-127 as int32 lanes; lanes where s is 0 (or off in m) give 0.
inline __m512i quantize16(__mmask16 m, const float* src, __m512 s) {
  const __mmask16 nz = _mm512_mask_cmp_ps_mask(m, s, _mm512_setzero_ps(), _CMP_NEQ_UQ);
  const __m512 x = _mm512_maskz_loadu_ps(nz, src);
  const __m512 d = _mm512_mask_blend_ps(nz, _mm512_set1_ps(1.0f), s);
  const __m512i q = _mm512_cvtps_epi32(_mm512_div_ps(x, d));  // rne: the default rounding mode
  return _mm512_min_epi32(_mm512_max_epi32(q, _mm512_set1_epi32(-127)), _mm512_set1_epi32(127));
}

}  // namespace

void s8_quantize__avx512vnni(int64_t n, const float* src, const float* s, bool per_element, int offset, uint8_t* dst) {
  const __m512i off = _mm512_set1_epi32(offset);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = lanes(n - i);
    const __m512 si = per_element ? _mm512_maskz_loadu_ps(m, s + i) : _mm512_set1_ps(s[0]);
    const __m512i q = _mm512_add_epi32(quantize16(m, src + i, si), off);
    _mm_mask_storeu_epi8(dst + i, m, _mm512_cvtepi32_epi8(q));
  }
}

float f32_absmax__avx512vnni(int64_t n, const float* src) {
  __m512 mx = _mm512_setzero_ps();
  __mmask16 bad = 0;
  const __m512 big = _mm512_set1_ps(3.40282347e38f);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = lanes(n - i);
    const __m512 v = _mm512_abs_ps(_mm512_maskz_loadu_ps(m, src + i));
    bad |= _mm512_cmp_ps_mask(v, big, _CMP_NLE_UQ);  // NaN or infinite
    mx = _mm512_max_ps(mx, v);
  }
  return bad != 0 ? __builtin_nanf("") : _mm512_reduce_max_ps(mx);
}

void f32_absmax_cols__avx512vnni(int64_t k, int64_t cols, const float* src, int64_t ld, float* mx) {
  const __mmask16 m0 = lanes(cols), m1 = lanes(cols - 16);
  const __m512 big = _mm512_set1_ps(3.40282347e38f);
  __m512 x0 = _mm512_setzero_ps(), x1 = _mm512_setzero_ps();
  __mmask16 bad0 = 0, bad1 = 0;
  for (int64_t p = 0; p < k; ++p) {
    const __m512 v0 = _mm512_abs_ps(_mm512_maskz_loadu_ps(m0, src + p * ld));
    const __m512 v1 = _mm512_abs_ps(_mm512_maskz_loadu_ps(m1, src + p * ld + 16));
    bad0 |= _mm512_cmp_ps_mask(v0, big, _CMP_NLE_UQ);
    bad1 |= _mm512_cmp_ps_mask(v1, big, _CMP_NLE_UQ);
    x0 = _mm512_max_ps(x0, v0);
    x1 = _mm512_max_ps(x1, v1);
  }
  const __m512 nan = _mm512_set1_ps(__builtin_nanf(""));
  _mm512_mask_storeu_ps(mx, m0, _mm512_mask_blend_ps(bad0, x0, nan));
  _mm512_mask_storeu_ps(mx + 16, m1, _mm512_mask_blend_ps(bad1, x1, nan));
}

// Four rows of 16 columns at a time: their quantized values (int32 lanes) packed into each
// column's 4-byte quad, q0 in the low byte, as the panel stores them.
void s8_pack_panel__avx512vnni(int64_t k, int64_t cols, const float* src, int64_t ld, const float* s, int8_t* panel,
                               int32_t* colsum128) {
  const __mmask16 mc[2] = {lanes(cols), lanes(cols - 16)};
  const __m512 sv[2] = {_mm512_maskz_loadu_ps(mc[0], s), _mm512_maskz_loadu_ps(mc[1], s + 16)};
  __m512i sum[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
  const __m512i byte = _mm512_set1_epi32(0xff);
  for (int64_t p = 0; p < k; p += 4) {
#pragma GCC unroll 2
    for (int v = 0; v < 2; ++v) {
      __m512i quad = _mm512_setzero_si512();
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r) {
        const __mmask16 m = p + r < k ? mc[v] : __mmask16(0);
        const __m512i q = quantize16(m, src + (p + r) * ld + 16 * v, sv[v]);
        sum[v] = _mm512_add_epi32(sum[v], q);
        // (the zero-masked shift with every lane on: the plain one trips GCC 12, activation-avx512.h)
        quad = _mm512_or_si512(quad, _mm512_maskz_slli_epi32(kAll16, _mm512_and_si512(q, byte), 8 * r));
      }
      _mm512_storeu_si512(panel + (p / 4) * 128 + 64 * v, quad);
    }
  }
  _mm512_storeu_si512(colsum128, _mm512_maskz_slli_epi32(kAll16, sum[0], 7));
  _mm512_storeu_si512(colsum128 + 16, _mm512_maskz_slli_epi32(kAll16, sum[1], 7));
}

}  // namespace convkit
