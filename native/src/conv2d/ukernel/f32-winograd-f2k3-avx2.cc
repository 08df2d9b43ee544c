// Winograd F(2x2, 3x3) transforms, AVX2 build, vectorized over channels (8 per ymm; a channel
// tail by the portable transforms, which do the same arithmetic in the same order, so any
// split gives the same sums; the filter gradient's dy transform masks its tails instead).
// Contracts in conv2d/ukernel/ukernels.h. The output transform writes act-free sums (with the
// bias) and hands residual and activation to the AVX2 conv epilogue over the tile's rows while
// they are in L1. Compiled with the AVX2 flags; everything here has internal linkage but the
// four entries.
#include "util/x86-intrinsics.h"

#include <algorithm>
#include <cstdint>

#include "conv2d/ukernel/finish-mode.h"
#include "conv2d/ukernel/ukernels.h"
#include "util/avx2-helpers.h"

namespace convkit {

void f32_winograd_f2k3_input__avx2(const float* const* src, int64_t cc, float* dst, int64_t ldk) {
  int64_t c = 0;
  for (; c + 8 <= cc; c += 8) {
    __m256 d[16];
    for (int k = 0; k < 16; ++k) d[k] = src[k] != nullptr ? _mm256_loadu_ps(src[k] + c) : _mm256_setzero_ps();
    __m256 r[16];  // B^T d
    for (int j = 0; j < 4; ++j) {
      r[j] = _mm256_sub_ps(d[j], d[8 + j]);
      r[4 + j] = _mm256_add_ps(d[4 + j], d[8 + j]);
      r[8 + j] = _mm256_sub_ps(d[8 + j], d[4 + j]);
      r[12 + j] = _mm256_sub_ps(d[4 + j], d[12 + j]);
    }
    for (int i = 0; i < 4; ++i) {  // (B^T d) B
      const __m256 e0 = r[i * 4], e1 = r[i * 4 + 1], e2 = r[i * 4 + 2], e3 = r[i * 4 + 3];
      _mm256_storeu_ps(dst + (i * 4 + 0) * ldk + c, _mm256_sub_ps(e0, e2));
      _mm256_storeu_ps(dst + (i * 4 + 1) * ldk + c, _mm256_add_ps(e1, e2));
      _mm256_storeu_ps(dst + (i * 4 + 2) * ldk + c, _mm256_sub_ps(e2, e1));
      _mm256_storeu_ps(dst + (i * 4 + 3) * ldk + c, _mm256_sub_ps(e1, e3));
    }
  }
  if (c < cc) {
    const float* rest[16];
    for (int k = 0; k < 16; ++k) rest[k] = src[k] != nullptr ? src[k] + c : nullptr;
    f32_winograd_f2k3_input__scalar(rest, cc - c, dst + c, ldk);
  }
}

void f32_winograd_f2k3_weight__avx2(const float* g, int64_t ld, int64_t cc, float* dst, int64_t ldk) {
  const __m256 half = _mm256_set1_ps(0.5f);
  int64_t c = 0;
  for (; c + 8 <= cc; c += 8) {
    __m256 t[12];  // G g: 4 rows x 3 columns
    for (int j = 0; j < 3; ++j) {
      const __m256 g0 = _mm256_loadu_ps(g + j * ld + c);
      const __m256 g1 = _mm256_loadu_ps(g + (3 + j) * ld + c);
      const __m256 g2 = _mm256_loadu_ps(g + (6 + j) * ld + c);
      const __m256 s = _mm256_add_ps(g0, g2);
      t[j] = g0;
      t[3 + j] = _mm256_mul_ps(half, _mm256_add_ps(s, g1));
      t[6 + j] = _mm256_mul_ps(half, _mm256_sub_ps(s, g1));
      t[9 + j] = g2;
    }
    for (int i = 0; i < 4; ++i) {  // (G g) G^T
      const __m256 a = t[i * 3], b = t[i * 3 + 1], e = t[i * 3 + 2];
      const __m256 s = _mm256_add_ps(a, e);
      _mm256_storeu_ps(dst + (i * 4 + 0) * ldk + c, a);
      _mm256_storeu_ps(dst + (i * 4 + 1) * ldk + c, _mm256_mul_ps(half, _mm256_add_ps(s, b)));
      _mm256_storeu_ps(dst + (i * 4 + 2) * ldk + c, _mm256_mul_ps(half, _mm256_sub_ps(s, b)));
      _mm256_storeu_ps(dst + (i * 4 + 3) * ldk + c, e);
    }
  }
  if (c < cc) f32_winograd_f2k3_weight__scalar(g + c, ld, cc - c, dst + c, ldk);
}

bool f32_winograd_f2k3_output__avx2(const float* m, int64_t ks, int64_t cn, const float* bias,
                                    const float* const* res, activation act, float* const* dst) {
  const __m256 zero = _mm256_setzero_ps();
  const finish_mode mode = finish_mode_of(res != nullptr, act);
  __m256 bad = zero;  // lanes of a written output that were Inf or NaN (y - y is NaN there)
  int64_t c = 0;
  for (; c + 8 <= cn; c += 8) {
    __m256 s0[4], s1[4];  // A^T m
    for (int j = 0; j < 4; ++j) {
      const __m256 m0 = _mm256_loadu_ps(m + j * ks + c), m1 = _mm256_loadu_ps(m + (4 + j) * ks + c);
      const __m256 m2 = _mm256_loadu_ps(m + (8 + j) * ks + c), m3 = _mm256_loadu_ps(m + (12 + j) * ks + c);
      s0[j] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
      s1[j] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
    }
    const __m256 bv = bias != nullptr ? _mm256_loadu_ps(bias + c) : zero;
    __m256 y[4];  // (A^T m) A
    y[0] = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s0[0], s0[1]), s0[2]), bv);
    y[1] = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(s0[1], s0[2]), s0[3]), bv);
    y[2] = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(s1[0], s1[1]), s1[2]), bv);
    y[3] = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(s1[1], s1[2]), s1[3]), bv);
    for (int q = 0; q < 4; ++q) {
      if (dst[q] == nullptr) continue;
      bad = _mm256_or_ps(bad, _mm256_cmp_ps(_mm256_sub_ps(y[q], y[q]), zero, _CMP_NEQ_UQ));
      __m256 v = y[q];
      if (mode == kFinishRelu) v = _mm256_max_ps(zero, v);
      _mm256_storeu_ps(dst[q] + c, v);
    }
  }
  // Residual and the other activations: the epilogue over the vector part of each row (the
  // bias is in already: it adds +0, which changes no value but the sign of a zero sum).
  if (c > 0 && mode == kFinishAny) {
    for (int q = 0; q < 4; ++q) {
      if (dst[q] != nullptr) f32_conv2d_epilogue__avx2(dst[q], dst[q], c, 0.0f, nullptr, res != nullptr ? res[q] : nullptr, act);
    }
  }
  bool finite = _mm256_movemask_ps(bad) == 0;
  if (c < cn) {
    float* d[4];
    const float* r[4];
    for (int q = 0; q < 4; ++q) {
      d[q] = dst[q] != nullptr ? dst[q] + c : nullptr;
      r[q] = res != nullptr && dst[q] != nullptr ? res[q] + c : nullptr;
    }
    finite = f32_winograd_f2k3_output__scalar(m + c, ks, cn - c, bias != nullptr ? bias + c : nullptr,
                                              res != nullptr ? r : nullptr, act, d) && finite;
  }
  return finite;
}

// A panel at a time (MR = 6 channels on the AVX2 plan: one masked vector each).
void f32_winograd_f2k3_dy__avx2(const float* const* src, int64_t cc, float* dst, int64_t ldk, int64_t panel,
                                int64_t pstride) {
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t c0 = 0; c0 < cc; c0 += panel) {
    float* o = dst + (c0 / panel) * pstride;
    const int64_t end = std::min(cc, c0 + panel);
    for (int64_t c = c0; c < end; c += 8) {
      const __m256i mk = lanes_below(end - c);
      __m256 d[4];
      for (int q = 0; q < 4; ++q) d[q] = src[q] != nullptr ? _mm256_maskload_ps(src[q] + c, mk) : zero;
      const __m256 r[4][2] = {{d[0], d[1]},
                              {_mm256_add_ps(d[0], d[2]), _mm256_add_ps(d[1], d[3])},
                              {_mm256_sub_ps(d[0], d[2]), _mm256_sub_ps(d[1], d[3])},
                              {_mm256_sub_ps(zero, d[2]), _mm256_sub_ps(zero, d[3])}};
      float* oc = o + (c - c0);
      for (int i = 0; i < 4; ++i) {
        const __m256 u = r[i][0], v = r[i][1];
        _mm256_maskstore_ps(oc + (i * 4 + 0) * ldk, mk, u);
        _mm256_maskstore_ps(oc + (i * 4 + 1) * ldk, mk, _mm256_add_ps(u, v));
        _mm256_maskstore_ps(oc + (i * 4 + 2) * ldk, mk, _mm256_sub_ps(u, v));
        _mm256_maskstore_ps(oc + (i * 4 + 3) * ldk, mk, _mm256_sub_ps(zero, v));
      }
    }
  }
}

}  // namespace convkit
