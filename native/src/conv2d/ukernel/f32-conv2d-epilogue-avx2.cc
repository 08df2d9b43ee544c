// The conv2d epilogue, AVX2 + FMA, 8 lanes, the tail through a copy (contract:
// f32_conv2d_epilogue_fn in conv2d/ukernel/ukernels.h). The same arithmetic as
// f32-conv2d-epilogue-scalar.cc (Cephes' expf polynomial, 2^n in two halves).
// Compiled with the AVX2 flags; uses intrinsics and plain loops only (everything here has
// internal linkage), so no inline function built with these flags leaks into other files.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "conv2d/ukernel/ukernels.h"

namespace convkit {
namespace {

// 2^k for integer lanes k in [-126, 127].
inline __m256 pow2i(__m256i k) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
}

// e^x for x <= 0 (0 below -104); NaN lanes come out finite: the caller puts NaN back.
inline __m256 exp_nonpos(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-104.0f);
  const __m256 keep = _mm256_cmp_ps(x, lo, _CMP_GE_OQ);
  x = _mm256_max_ps(x, lo);  // NaN -> lo
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  const __m256 e = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
  const __m256i ni = _mm256_cvtps_epi32(n);  // n in [-150, 0]: halves >= -75
  const __m256i n1 = _mm256_srai_epi32(ni, 1);
  const __m256 s = _mm256_mul_ps(_mm256_mul_ps(e, pow2i(n1)), pow2i(_mm256_sub_epi32(ni, n1)));
  return _mm256_and_ps(s, keep);
}

inline __m256 sigmoid(__m256 v) {
  const __m256 a = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v);
  const __m256 e = exp_nonpos(_mm256_sub_ps(_mm256_setzero_ps(), a));
  const __m256 s = _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
  const __m256 r = _mm256_blendv_ps(s, _mm256_mul_ps(e, s), _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ));
  return _mm256_blendv_ps(r, v, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

// max(0, v) returns v when v is NaN (the second operand), as the reference's ReLU does.
template <activation A>
inline __m256 activate(__m256 v) {
  const __m256 zero = _mm256_setzero_ps();
  switch (A) {
    case activation::none: return v;
    case activation::relu: return _mm256_max_ps(zero, v);
    case activation::relu6: return _mm256_min_ps(_mm256_set1_ps(6.0f), _mm256_max_ps(zero, v));
    case activation::sigmoid: return sigmoid(v);
    case activation::silu: return _mm256_mul_ps(v, sigmoid(v));
    case activation::hard_swish: {
      const __m256 t = _mm256_min_ps(_mm256_set1_ps(6.0f),
                                     _mm256_max_ps(zero, _mm256_add_ps(v, _mm256_set1_ps(3.0f))));
      return _mm256_mul_ps(_mm256_mul_ps(v, t), _mm256_set1_ps(1.0f / 6.0f));
    }
  }
  return v;
}

template <activation A>
void run(float* dst, const float* src, int64_t n, float bv, const float* bc, const float* res) {
  const __m256 b = _mm256_set1_ps(bv);
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256 v = _mm256_add_ps(_mm256_loadu_ps(src + j), bc != nullptr ? _mm256_loadu_ps(bc + j) : b);
    if (res != nullptr) v = _mm256_add_ps(v, _mm256_loadu_ps(res + j));
    _mm256_storeu_ps(dst + j, activate<A>(v));
  }
  if (j < n) {
    // The tail through an 8-lane copy, so that every element gets the vector arithmetic
    // wherever it falls in the run (a tile-by-tile epilogue and one over the whole rows then
    // give the same bits; the scalar tail's sigmoid differed in the last bit).
    const int64_t t = n - j;
    alignas(32) float sv[8] = {}, bcv[8] = {}, rv[8] = {}, out[8];
    for (int64_t i = 0; i < t; ++i) {
      sv[i] = src[j + i];
      if (bc != nullptr) bcv[i] = bc[j + i];
      if (res != nullptr) rv[i] = res[j + i];
    }
    __m256 v = _mm256_add_ps(_mm256_load_ps(sv), bc != nullptr ? _mm256_load_ps(bcv) : b);
    if (res != nullptr) v = _mm256_add_ps(v, _mm256_load_ps(rv));
    _mm256_store_ps(out, activate<A>(v));
    for (int64_t i = 0; i < t; ++i) dst[j + i] = out[i];
  }
}

}  // namespace

void f32_conv2d_epilogue__avx2(float* dst, const float* src, int64_t n, float bv,
                               const float* bc, const float* res, activation act) {
  with_activation(act, [&](auto a) { run<decltype(a)::value>(dst, src, n, bv, bc, res); });
}

void f32_conv2d_epilogue_rows__avx2(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias,
                                    bool bias_per_row, const float* res, activation act) {
  with_activation(act, [&](auto a) {
    epilogue_each_row(run<decltype(a)::value>, y, rows, cols, ld, bias, bias_per_row, res);
  });
}

}  // namespace convkit
