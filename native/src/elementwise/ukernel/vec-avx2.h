// 8 lanes of AVX2+FMA for the generic kernels (vec-kernels.h). Include only from files built
// with the AVX2 flags; internal linkage, as util/avx512-helpers.h.
#pragma once
#include "util/x86-intrinsics.h"

#include <cstdint>

namespace convkit {
namespace {

struct vec_avx2 {
  using V = __m256;
  using M = __m256;  // all-ones lanes where true
  static constexpr int W = 8;
  static constexpr bool kShiftedLoads = false;  // vk::row_shifted: AVX-512 only
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V set1(float v) { return _mm256_set1_ps(v); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V div(V a, V b) { return _mm256_div_ps(a, b); }
  // 1/b to ~2^-22 (rcp and one Newton step), for finite nonzero b of normal range.
  static V rcp(V b) {
    const V r = _mm256_rcp_ps(b);
    return _mm256_fmadd_ps(_mm256_fnmadd_ps(b, r, _mm256_set1_ps(1.0f)), r, r);
  }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  // a*b + c rounded once (the exact-residual tricks need it; std::fma on the scalar level).
  static V fma_exact(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V fmsub(V a, V b, V c) { return _mm256_fmsub_ps(a, b, c); }
  // The float whose bits are j's shifted left by 23 (2^k from k + 1.5 2^23 + 127).
  static V shl23(V j) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(j), 23)); }
  static V max_raw(V a, V b) { return _mm256_max_ps(a, b); }
  static V min_raw(V a, V b) { return _mm256_min_ps(a, b); }
  static V sqrt(V a) { return _mm256_sqrt_ps(a); }
  static V abs(V a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static V neg(V a) { return _mm256_xor_ps(_mm256_set1_ps(-0.0f), a); }
  static V round(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static M lt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M le(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
  static M gt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static M ge(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  static M eq(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static M isnan(V a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static M mor(M a, M b) { return _mm256_or_ps(a, b); }
  static M mand(M a, M b) { return _mm256_and_ps(a, b); }
  static M mnot(M a) { return _mm256_xor_ps(a, _mm256_castsi256_ps(_mm256_set1_epi32(-1))); }
  static bool any(M a) { return _mm256_movemask_ps(a) != 0; }
  static V sel(M m, V a, V b) { return _mm256_blendv_ps(b, a, m); }
  static V pow2i(V n) {
    const __m256i i = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(i, 23));
  }
  static V frexp(V a, V* e) {
    const __m256i bits = _mm256_castps_si256(a);
    const __m256i ex = _mm256_sub_epi32(_mm256_and_si256(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(0xff)), _mm256_set1_epi32(126));
    *e = _mm256_cvtepi32_ps(ex);
    const __m256i m = _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(static_cast<int32_t>(0x807fffff))), _mm256_set1_epi32(0x3f000000));
    return _mm256_castsi256_ps(m);
  }
  // Folds the 8 lanes with op (add, max or min of 4 lanes): the halves, then the pairs, then the
  // last two (lane 0 is the result).
  template <typename Op>
  static float fold(V a, Op op) {
    __m128 s = op(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = op(s, _mm_movehl_ps(s, s));
    s = op(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static float hsum(V a) { return fold(a, [](__m128 x, __m128 y) { return _mm_add_ps(x, y); }); }
  static float hmax(V a) { return fold(a, [](__m128 x, __m128 y) { return _mm_max_ps(x, y); }); }
  static float hmin(V a) { return fold(a, [](__m128 x, __m128 y) { return _mm_min_ps(x, y); }); }
  static void store_i32(int32_t* p, V idx) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm256_cvtps_epi32(idx)); }
};

}  // namespace
}  // namespace convkit
