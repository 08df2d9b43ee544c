// Winograd F(2x2, 3x3) transforms, AVX-512 build, vectorized over channels (16 per zmm,
// masked tails). Contracts in conv2d/ukernel/ukernels.h. Compiled with the avx512 flags.
#include "util/x86-intrinsics.h"

#include <algorithm>
#include <cstdint>

#include "conv2d/ukernel/activation-avx512.h"
#include "conv2d/ukernel/ukernels.h"
#include "util/avx512-helpers.h"

namespace convkit {

void f32_winograd_f2k3_input__avx512(const float* const* src, int64_t cc, float* dst,
                                     int64_t ldk) {
  for (int64_t c = 0; c < cc; c += 16) {
    const __mmask16 mk = tail_mask(cc - c);
    __m512 d[16];
    for (int k = 0; k < 16; ++k) {
      d[k] = src[k] != nullptr ? _mm512_maskz_loadu_ps(mk, src[k] + c) : _mm512_setzero_ps();
    }
    __m512 r[16];  // B^T d
    for (int j = 0; j < 4; ++j) {
      r[j] = _mm512_sub_ps(d[j], d[8 + j]);
      r[4 + j] = _mm512_add_ps(d[4 + j], d[8 + j]);
      r[8 + j] = _mm512_sub_ps(d[8 + j], d[4 + j]);
      r[12 + j] = _mm512_sub_ps(d[4 + j], d[12 + j]);
    }
    for (int i = 0; i < 4; ++i) {  // (B^T d) B
      const __m512 e0 = r[i * 4], e1 = r[i * 4 + 1], e2 = r[i * 4 + 2], e3 = r[i * 4 + 3];
      _mm512_mask_storeu_ps(dst + (i * 4 + 0) * ldk + c, mk, _mm512_sub_ps(e0, e2));
      _mm512_mask_storeu_ps(dst + (i * 4 + 1) * ldk + c, mk, _mm512_add_ps(e1, e2));
      _mm512_mask_storeu_ps(dst + (i * 4 + 2) * ldk + c, mk, _mm512_sub_ps(e2, e1));
      _mm512_mask_storeu_ps(dst + (i * 4 + 3) * ldk + c, mk, _mm512_sub_ps(e1, e3));
    }
  }
}

void f32_winograd_f2k3_weight__avx512(const float* g, int64_t ld, int64_t cc, float* dst,
                                      int64_t ldk) {
  const __m512 half = _mm512_set1_ps(0.5f);
  for (int64_t c = 0; c < cc; c += 16) {
    const __mmask16 mk = tail_mask(cc - c);
    __m512 t[12];  // G g: 4 rows x 3 columns
    for (int j = 0; j < 3; ++j) {
      const __m512 g0 = _mm512_maskz_loadu_ps(mk, g + j * ld + c);
      const __m512 g1 = _mm512_maskz_loadu_ps(mk, g + (3 + j) * ld + c);
      const __m512 g2 = _mm512_maskz_loadu_ps(mk, g + (6 + j) * ld + c);
      const __m512 s = _mm512_add_ps(g0, g2);
      t[j] = g0;
      t[3 + j] = _mm512_mul_ps(half, _mm512_add_ps(s, g1));
      t[6 + j] = _mm512_mul_ps(half, _mm512_sub_ps(s, g1));
      t[9 + j] = g2;
    }
    for (int i = 0; i < 4; ++i) {  // (G g) G^T
      const __m512 a = t[i * 3], b = t[i * 3 + 1], e = t[i * 3 + 2];
      const __m512 s = _mm512_add_ps(a, e);
      _mm512_mask_storeu_ps(dst + (i * 4 + 0) * ldk + c, mk, a);
      const __m512 u1 = _mm512_mul_ps(half, _mm512_add_ps(s, b));
      const __m512 u2 = _mm512_mul_ps(half, _mm512_sub_ps(s, b));
      _mm512_mask_storeu_ps(dst + (i * 4 + 1) * ldk + c, mk, u1);
      _mm512_mask_storeu_ps(dst + (i * 4 + 2) * ldk + c, mk, u2);
      _mm512_mask_storeu_ps(dst + (i * 4 + 3) * ldk + c, mk, e);
    }
  }
}

namespace {

template <int M>
bool winograd_output(const float* m, int64_t ks, int64_t cn, const float* bias,
                     const float* const* res, activation act, float* const* dst) {
  const __m512 zero = _mm512_setzero_ps();
  __mmask16 bad = 0;  // lanes of a written output that were Inf or NaN (y - y is NaN there)
  for (int64_t c = 0; c < cn; c += 16) {
    const __mmask16 mk = tail_mask(cn - c);
    __m512 s0[4], s1[4];  // A^T m
    for (int j = 0; j < 4; ++j) {
      const __m512 m0 = _mm512_maskz_loadu_ps(mk, m + j * ks + c);
      const __m512 m1 = _mm512_maskz_loadu_ps(mk, m + (4 + j) * ks + c);
      const __m512 m2 = _mm512_maskz_loadu_ps(mk, m + (8 + j) * ks + c);
      const __m512 m3 = _mm512_maskz_loadu_ps(mk, m + (12 + j) * ks + c);
      s0[j] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
      s1[j] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
    }
    const __m512 bv = bias != nullptr ? _mm512_maskz_loadu_ps(mk, bias + c) : zero;
    __m512 y[4];  // (A^T m) A
    y[0] = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s0[0], s0[1]), s0[2]), bv);
    y[1] = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s0[1], s0[2]), s0[3]), bv);
    y[2] = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s1[0], s1[1]), s1[2]), bv);
    y[3] = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s1[1], s1[2]), s1[3]), bv);
    for (int q = 0; q < 4; ++q) {
      if (dst[q] == nullptr) continue;
      bad |= _mm512_mask_cmp_ps_mask(mk, _mm512_sub_ps(y[q], y[q]), zero, _CMP_NEQ_UQ);
      _mm512_mask_storeu_ps(dst[q] + c, mk,
                            finish_avx512<M>(y[q], mk, res != nullptr ? res[q] + c : nullptr, act));
    }
  }
  return bad == 0;
}

}  // namespace

bool f32_winograd_f2k3_output__avx512(const float* m, int64_t ks, int64_t cn, const float* bias,
                                      const float* const* res, activation act, float* const* dst) {
  switch (finish_mode_of(res != nullptr, act)) {
    case kFinishNone: return winograd_output<kFinishNone>(m, ks, cn, bias, res, act, dst);
    case kFinishRelu: return winograd_output<kFinishRelu>(m, ks, cn, bias, res, act, dst);
    default: return winograd_output<kFinishAny>(m, ks, cn, bias, res, act, dst);
  }
}

// A panel at a time (MR = 8 channels on the AVX-512 plan: one masked vector each).
void f32_winograd_f2k3_dy__avx512(const float* const* src, int64_t cc, float* dst, int64_t ldk, int64_t panel,
                                  int64_t pstride) {
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t c0 = 0; c0 < cc; c0 += panel) {
    float* o = dst + (c0 / panel) * pstride;
    const int64_t end = std::min(cc, c0 + panel);
    for (int64_t c = c0; c < end; c += 16) {
      const __mmask16 mk = tail_mask(end - c);
      __m512 d[4];
      for (int q = 0; q < 4; ++q) d[q] = src[q] != nullptr ? _mm512_maskz_loadu_ps(mk, src[q] + c) : zero;
      const __m512 r[4][2] = {{d[0], d[1]},
                              {_mm512_add_ps(d[0], d[2]), _mm512_add_ps(d[1], d[3])},
                              {_mm512_sub_ps(d[0], d[2]), _mm512_sub_ps(d[1], d[3])},
                              {_mm512_sub_ps(zero, d[2]), _mm512_sub_ps(zero, d[3])}};
      float* oc = o + (c - c0);
      for (int i = 0; i < 4; ++i) {
        const __m512 u = r[i][0], v = r[i][1];
        _mm512_mask_storeu_ps(oc + (i * 4 + 0) * ldk, mk, u);
        _mm512_mask_storeu_ps(oc + (i * 4 + 1) * ldk, mk, _mm512_add_ps(u, v));
        _mm512_mask_storeu_ps(oc + (i * 4 + 2) * ldk, mk, _mm512_sub_ps(u, v));
        _mm512_mask_storeu_ps(oc + (i * 4 + 3) * ldk, mk, _mm512_sub_ps(zero, v));
      }
    }
  }
}

}  // namespace convkit
