// The conv2d epilogue's activations on one zmm, for the AVX-512 kernels that finish their
// outputs in registers (direct, depthwise, Winograd output, the epilogue row). The same
// arithmetic as ukernel/f32-conv2d-epilogue-scalar.cc (Cephes' expf polynomial; 2^n by
// vscalefps, exact down to the denormals). Include only from files compiled with the
// AVX-512 flags; internal linkage (an unnamed namespace), as util/avx512-helpers.h.
#pragma once
#include "util/x86-intrinsics.h"

#include "convkit/conv2d.h"
#include "conv2d/ukernel/finish-mode.h"

namespace convkit {
namespace {

// Every lane on. The plain max / min / roundscale / scalef intrinsics pass _mm512_undefined_ps()
// through, which trips GCC 12's -Wuninitialized where a kernel inlines them (GCC bug 105593,
// see util/x86-intrinsics.h); their zero-masked forms with every lane on are the same
// instructions.
constexpr __mmask16 kAll16 = static_cast<__mmask16>(0xFFFF);

// e^x for x <= 0; NaN stays NaN. Below -104 the clamp's e^-104 * 2^-150 rounds to 0 in
// vscalefps, as the scalar version's explicit 0 (no underflow mask needed), and vmaxps passes
// its second source when either is NaN, so max(lo, x) keeps a NaN through to the result (no
// NaN restore in sigmoid): 4 fewer instructions a vector, the same bits (SiLU 16 lanes: 4.1 ->
// 3.4 ns in a throughput loop).
inline __m512 exp_nonpos_avx512(__m512 x) {
  x = _mm512_maskz_max_ps(kAll16, _mm512_set1_ps(-104.0f), x);
  const __m512 n = _mm512_maskz_roundscale_ps(kAll16, _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  const __m512 e = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
  return _mm512_maskz_scalef_ps(kAll16, e, n);
}

// 1 / (1 + e^-v) from e^-|v|; NaN stays NaN (through exp_nonpos_avx512).
inline __m512 sigmoid_avx512(__m512 v) {
  const __m512 a = _mm512_abs_ps(v);
  const __m512 e = exp_nonpos_avx512(_mm512_sub_ps(_mm512_setzero_ps(), a));
  const __m512 s = _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
  const __mmask16 neg = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
  return _mm512_mask_mul_ps(s, neg, e, s);
}

// act(v); max(0, v) returns v when v is NaN, as the reference's ReLU does.
inline __m512 activate_avx512(activation act, __m512 v) {
  const __m512 zero = _mm512_setzero_ps();
  switch (act) {
    case activation::none: return v;
    case activation::relu: return _mm512_maskz_max_ps(kAll16, zero, v);
    case activation::relu6:
      return _mm512_maskz_min_ps(kAll16, _mm512_set1_ps(6.0f), _mm512_maskz_max_ps(kAll16, zero, v));
    case activation::sigmoid: return sigmoid_avx512(v);
    case activation::silu: return _mm512_mul_ps(v, sigmoid_avx512(v));
    case activation::hard_swish: {
      const __m512 t = _mm512_maskz_min_ps(kAll16, _mm512_set1_ps(6.0f),
                                           _mm512_maskz_max_ps(kAll16, zero, _mm512_add_ps(v, _mm512_set1_ps(3.0f))));
      return _mm512_mul_ps(_mm512_mul_ps(v, t), _mm512_set1_ps(1.0f / 6.0f));
    }
  }
  return v;
}

// act(a + res[lanes m]) under mode M (res: this vector's residual, read only by kFinishAny and
// only when not null); the same arithmetic in every mode.
template <int M>
inline __m512 finish_avx512(__m512 a, __mmask16 m, const float* res, activation act) {
  if (M == kFinishNone) return a;
  // max(0, a) in its zero-masked form (every lane on: the same vmaxps): the plain intrinsic's
  // _mm512_undefined_ps() pass-through trips GCC 12's -Wuninitialized where the direct NHWC
  // kernel inlines it (GCC bug 105593, see util/x86-intrinsics.h).
  if (M == kFinishRelu) return _mm512_maskz_max_ps(kAll16, _mm512_setzero_ps(), a);
  if (res != nullptr) a = _mm512_add_ps(a, _mm512_maskz_loadu_ps(m, res));
  return activate_avx512(act, a);
}

}  // namespace
}  // namespace convkit
