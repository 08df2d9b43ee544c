// 16 lanes of AVX-512 for the generic kernels (vec-kernels.h). Include only from files built
// with the AVX-512 flags; internal linkage, as util/avx512-helpers.h.
#pragma once
#include "util/x86-intrinsics.h"

#include <cstdint>

namespace convkit {
namespace {

struct vec_avx512 {
  using V = __m512;
  using M = __mmask16;
  static constexpr int W = 16;
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V set1(float v) { return _mm512_set1_ps(v); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V div(V a, V b) { return _mm512_div_ps(a, b); }
  // 1/b to ~2^-27 (rcp14 and one Newton step), for finite nonzero b of normal range.
  static V rcp(V b) {
    const V r = _mm512_rcp14_ps(b);
    return _mm512_fmadd_ps(_mm512_fnmadd_ps(b, r, _mm512_set1_ps(1.0f)), r, r);
  }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  // a*b + c rounded once (the exact-residual tricks need it; std::fma on the scalar level).
  static V fma_exact(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V fmsub(V a, V b, V c) { return _mm512_fmsub_ps(a, b, c); }
  // The float whose bits are j's shifted left by 23 (2^k from k + 1.5 2^23 + 127).
  static V shl23(V j) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(j), 23)); }
  static V max_raw(V a, V b) { return _mm512_max_ps(a, b); }
  static V min_raw(V a, V b) { return _mm512_min_ps(a, b); }
  static V sqrt(V a) { return _mm512_sqrt_ps(a); }
  static V abs(V a) { return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(a), _mm512_set1_epi32(0x7fffffff))); }
  static V neg(V a) { return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(static_cast<int32_t>(0x80000000u)))); }
  static V round(V a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static M lt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M le(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
  static M gt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static M ge(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static M eq(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static M isnan(V a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static M mor(M a, M b) { return static_cast<M>(a | b); }
  static M mand(M a, M b) { return static_cast<M>(a & b); }
  static M mnot(M a) { return static_cast<M>(~a); }
  static bool any(M a) { return a != 0; }
  static V sel(M m, V a, V b) { return _mm512_mask_blend_ps(m, b, a); }
  static V pow2i(V n) {
    const __m512i i = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(i, 23));
  }
  static V frexp(V a, V* e) {
    const __m512i bits = _mm512_castps_si512(a);
    const __m512i ex = _mm512_sub_epi32(_mm512_and_si512(_mm512_srli_epi32(bits, 23), _mm512_set1_epi32(0xff)), _mm512_set1_epi32(126));
    *e = _mm512_cvtepi32_ps(ex);
    const __m512i m = _mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi32(static_cast<int32_t>(0x807fffff))), _mm512_set1_epi32(0x3f000000));
    return _mm512_castsi512_ps(m);
  }
  static float hsum(V a) { return _mm512_reduce_add_ps(a); }
  static float hmax(V a) { return _mm512_reduce_max_ps(a); }
  static float hmin(V a) { return _mm512_reduce_min_ps(a); }
  static void store_i32(int32_t* p, V idx) { _mm512_storeu_si512(p, _mm512_cvtps_epi32(idx)); }

  // Shifted loads (vk::row_shifted): a vector that starts s floats into a cache line built from
  // two aligned line loads, so a stream never reads across lines.
  static constexpr bool kShiftedLoads = true;
  using I = __m512i;
  static V load_line(const float* q) { return _mm512_load_ps(q); }
  static V load_lanes(const float* q, uint32_t lanes) { return _mm512_maskz_load_ps(static_cast<__mmask16>(lanes), q); }
  static I shift_index(int s) { return _mm512_add_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi32(s)); }
  // Lanes [s, 16) of lo then [0, s) of hi.
  static V join(V lo, I index, V hi) { return _mm512_permutex2var_ps(lo, index, hi); }
};

}  // namespace
}  // namespace convkit
