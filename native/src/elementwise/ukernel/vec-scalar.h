// The one-lane "vector" the generic kernels (vec-kernels.h) run on at the scalar level. Include
// only from ukernel files; internal linkage, as util/avx512-helpers.h.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace convkit {
namespace {

struct vec_scalar {
  using V = float;
  using M = bool;
  static constexpr int W = 1;
  static constexpr bool kShiftedLoads = false;  // vk::row_shifted: AVX-512 only
  static V load(const float* p) { return *p; }
  static void store(float* p, V v) { *p = v; }
  static V set1(float v) { return v; }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V mul(V a, V b) { return a * b; }
  static V div(V a, V b) { return a / b; }
  static V rcp(V b) { return 1.0f / b; }
  static V fmadd(V a, V b, V c) { return a * b + c; }
  // a*b + c rounded once (the exact-residual tricks need it; std::fma on the scalar level).
  static V fma_exact(V a, V b, V c) { return std::fma(a, b, c); }
  static V fmsub(V a, V b, V c) { return std::fma(a, b, -c); }
  // The float whose bits are j's shifted left by 23 (2^k from k + 1.5 2^23 + 127).
  static V shl23(V j) {
    uint32_t bits;
    std::memcpy(&bits, &j, sizeof bits);
    bits <<= 23;
    float r;
    std::memcpy(&r, &bits, sizeof r);
    return r;
  }
  static V max_raw(V a, V b) { return a > b ? a : b; }  // x86 maxps: b when unordered
  static V min_raw(V a, V b) { return a < b ? a : b; }
  static V sqrt(V a) { return std::sqrt(a); }
  static V abs(V a) { return std::fabs(a); }
  static V neg(V a) { return -a; }
  static V round(V a) { return std::nearbyint(a); }
  static M lt(V a, V b) { return a < b; }
  static M le(V a, V b) { return a <= b; }
  static M gt(V a, V b) { return a > b; }
  static M ge(V a, V b) { return a >= b; }
  static M eq(V a, V b) { return a == b; }
  static M isnan(V a) { return a != a; }
  static M mor(M a, M b) { return a || b; }
  static M mand(M a, M b) { return a && b; }
  static M mnot(M a) { return !a; }
  static bool any(M a) { return a; }
  static V sel(M m, V a, V b) { return m ? a : b; }
  // 2^n for an integer-valued n in [-126, 127].
  static V pow2i(V n) {
    const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
    float r;
    std::memcpy(&r, &bits, sizeof r);
    return r;
  }
  // m in [0.5, 1) and the exponent e with a = m 2^e, for a positive normal a.
  static V frexp(V a, V* e) {
    int32_t bits;
    std::memcpy(&bits, &a, sizeof bits);
    *e = static_cast<float>(((bits >> 23) & 0xff) - 126);
    bits = (bits & 0x807fffff) | 0x3f000000;
    float m;
    std::memcpy(&m, &bits, sizeof m);
    return m;
  }
  static float hsum(V a) { return a; }
  static float hmax(V a) { return a; }
  static float hmin(V a) { return a; }
  static void store_i32(int32_t* p, V idx) { *p = static_cast<int32_t>(idx); }
};

}  // namespace
}  // namespace convkit
