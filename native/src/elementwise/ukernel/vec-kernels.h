// The element-wise and reduction kernels, written once over a lane type O (vec-scalar.h,
// vec-avx2.h, vec-avx512.h) and instantiated by each ISA's ukernel file, which fills its table
// (ukernels.h). Internal linkage: each ISA file gets its own copy built with its own flags.
// exp and log are Cephes' single-precision polynomials (about 1 ulp); gelu's normal CDF is
// exp(-x^2/2) times a polynomial in t = 1/(1 + 0.305|x|) (relative error ~1e-7; see phi).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#include "elementwise/ukernel/ukernels.h"
#include "util/align.h"

namespace convkit {
namespace {

template <class O>
struct vk {
  using V = typename O::V;
  using M = typename O::M;
  static constexpr int W = O::W;

  // ---- math --------------------------------------------------------------------------------
  static V exp(V x) {
    const V hi = O::set1(88.72283935546875f), lo = O::set1(-103.97208f);
    const M over = O::gt(x, hi), under = O::lt(x, lo), nan = O::isnan(x);
    V t = O::min_raw(O::max_raw(x, lo), hi);
    const V n = O::round(O::mul(t, O::set1(1.44269504088896341f)));
    t = O::fmadd(n, O::set1(-0.693359375f), t);
    t = O::fmadd(n, O::set1(2.12194440e-4f), t);
    V p = O::set1(1.9875691500e-4f);
    p = O::fmadd(p, t, O::set1(1.3981999507e-3f));
    p = O::fmadd(p, t, O::set1(8.3334519073e-3f));
    p = O::fmadd(p, t, O::set1(4.1665795894e-2f));
    p = O::fmadd(p, t, O::set1(1.6666665459e-1f));
    p = O::fmadd(p, t, O::set1(5.0000001201e-1f));
    V y = O::fmadd(O::mul(p, t), t, O::add(t, O::set1(1.0f)));
    // 2^n in two factors, so results down to the denormals and up to FLT_MAX are exact scalings.
    const V n1 = O::round(O::mul(n, O::set1(0.5f)));
    y = O::mul(O::mul(y, O::pow2i(n1)), O::pow2i(O::sub(n, n1)));
    y = O::sel(over, O::set1(INFINITY), y);
    y = O::sel(under, O::set1(0.0f), y);
    return O::sel(nan, x, y);
  }

  static V log(V x) {
    const M nan = O::isnan(x), neg = O::lt(x, O::set1(0.0f)), zero = O::eq(x, O::set1(0.0f));
    const M inf = O::eq(x, O::set1(INFINITY));
    // Denormals: scale into the normal range first.
    const M tiny = O::lt(x, O::set1(1.17549435e-38f));
    V a = O::sel(tiny, O::mul(x, O::set1(8388608.0f)), x);
    V e;
    V m = O::frexp(a, &e);
    e = O::sel(tiny, O::sub(e, O::set1(23.0f)), e);
    const M small = O::lt(m, O::set1(0.707106781186547524f));
    e = O::sel(small, O::sub(e, O::set1(1.0f)), e);
    m = O::sub(O::sel(small, O::add(m, m), m), O::set1(1.0f));
    const V z = O::mul(m, m);
    V p = O::set1(7.0376836292e-2f);
    p = O::fmadd(p, m, O::set1(-1.1514610310e-1f));
    p = O::fmadd(p, m, O::set1(1.1676998740e-1f));
    p = O::fmadd(p, m, O::set1(-1.2420140846e-1f));
    p = O::fmadd(p, m, O::set1(1.4249322787e-1f));
    p = O::fmadd(p, m, O::set1(-1.6668057665e-1f));
    p = O::fmadd(p, m, O::set1(2.0000714765e-1f));
    p = O::fmadd(p, m, O::set1(-2.4999993993e-1f));
    p = O::fmadd(p, m, O::set1(3.3333331174e-1f));
    V y = O::mul(O::mul(p, m), z);
    y = O::fmadd(e, O::set1(-2.12194440e-4f), y);
    y = O::fmadd(z, O::set1(-0.5f), y);
    y = O::add(m, y);
    y = O::fmadd(e, O::set1(0.693359375f), y);
    y = O::sel(inf, x, y);
    y = O::sel(zero, O::set1(-INFINITY), y);
    y = O::sel(O::mor(neg, nan), O::set1(NAN), y);
    return y;
  }

  // Phi(x) = erfc(-x/sqrt 2)/2, the normal CDF: with a = |x|, erfc(a/sqrt 2) = exp(-a^2/2) t Q(t),
  // t = 1/(1 + 0.305 a), Q a degree-7 fit of erfcx(a/sqrt 2)/t over a in [0, 14] (relative error
  // 1.1e-7 with these float coefficients; fitted once by weighted least squares / Lawson in numpy);
  // Phi = h = erfc/2 for x < 0, else 1 - h. The Gaussian and Q(t) are independent chains (no
  // division: a refined reciprocal; Estrin polynomials), so the dependency path stays short.
  // The exponent -a^2/2 is exact as hi + lo (FMA residual) through exp's range reduction (hi - n ln2
  // is exact, lo joins after), so the lower tail keeps its relative accuracy down to x = -13.1;
  // below that Phi is 0 (gelu is under 1e-37 there). 2^(n-1) comes from the rounding sum's bits.
  static V phi(V x) {
    const V a = O::min_raw(O::abs(x), O::set1(14.0f));  // finite from here on (NaN: 14; x carries it)
    const V ah = O::mul(a, O::set1(-0.5f));              // exact
    const V ehi = O::mul(a, ah), elo = O::fmsub(a, ah, ehi);  // -a^2/2 = ehi + elo exactly
    // exp(ehi + elo) / 2: n = round(ehi log2 e) by adding 1.5 2^23 + 126, whose low bits shifted
    // into the exponent field are 2^(n-1); clamped at n = -126, whose 2^(n-1) bits are 0.0.
    const V magic = O::set1(12583038.0f);
    const V j = O::max_raw(O::fmadd(ehi, O::set1(1.44269504088896341f), magic), O::set1(12583038.0f - 126.0f));
    const V n = O::sub(j, magic);
    V r = O::fmadd(n, O::set1(-0.693359375f), ehi);
    r = O::fmadd(n, O::set1(2.12194440e-4f), r);
    r = O::add(r, elo);
    // e^r on [-ln2/2, ln2/2]: XNNPACK's degree-5 minimax (relative error 9e-8), Estrin.
    const V r2 = O::mul(r, r);
    const V q01 = O::fmadd(r, O::set1(0x1.FFFFF6p-1f), O::set1(1.0f));
    const V q23 = O::fmadd(r, O::set1(0x1.555A80p-3f), O::set1(0x1.FFFDC6p-2f));
    const V q45 = O::fmadd(r, O::set1(0x1.0F9F9Cp-7f), O::set1(0x1.573A1Ap-5f));
    const V e = O::fmadd(O::fmadd(q45, r2, q23), r2, q01);
    // t Q(t), Estrin.
    const V t = O::rcp(O::fmadd(a, O::set1(0.305000007f), O::set1(1.0f)));
    const V t2 = O::mul(t, t), t4 = O::mul(t2, t2);
    const V c01 = O::fmadd(t, O::set1(0.24493371f), O::set1(0.243279472f));
    const V c23 = O::fmadd(t, O::set1(0.242045283f), O::set1(0.206841201f));
    const V c45 = O::fmadd(t, O::set1(0.371438384f), O::set1(-0.0759576112f));
    const V c67 = O::fmadd(t, O::set1(0.0733990967f), O::set1(-0.30597946f));
    const V tq = O::mul(t, O::fmadd(O::fmadd(c67, t2, c45), t4, O::fmadd(c23, t2, c01)));
    const V h = O::mul(O::mul(e, tq), O::shl23(j));
    return O::sel(O::lt(x, O::set1(0.0f)), h, O::sub(O::set1(1.0f), h));
  }

  // x sigmoid(x) = x / (1 + e) for x >= 0, x e / (1 + e) below, with e = exp(-|x|) in (0, 1]:
  // no overflow, one division. exp as in phi (2^n from the rounding sum's bits), scaled by
  // 2^(n+64) 2^-64 so e reaches the denormals; -|x| clamped at -110, where e is 0.
  static V silu(V x) {
    const V s = O::neg(O::min_raw(O::abs(x), O::set1(110.0f)));  // NaN: -110; x carries it
    const V magic = O::set1(12583103.0f);  // 1.5 2^23 + 127 + 64
    const V j = O::fmadd(s, O::set1(1.44269504088896341f), magic);
    const V n = O::sub(j, magic);
    V r = O::fmadd(n, O::set1(-0.693359375f), s);
    r = O::fmadd(n, O::set1(2.12194440e-4f), r);
    V q = O::set1(0x1.0F9F9Cp-7f);
    q = O::fmadd(q, r, O::set1(0x1.573A1Ap-5f));
    q = O::fmadd(q, r, O::set1(0x1.555A80p-3f));
    q = O::fmadd(q, r, O::set1(0x1.FFFDC6p-2f));
    q = O::fmadd(q, r, O::set1(0x1.FFFFF6p-1f));
    const V e = O::mul(O::mul(O::fmadd(q, r, O::set1(1.0f)), O::shl23(j)), O::set1(0x1p-64f));
    return O::div(O::sel(O::lt(x, O::set1(0.0f)), O::mul(x, e), x), O::add(O::set1(1.0f), e));
  }

  static V sigmoid(V x) { return O::div(O::set1(1.0f), O::add(O::set1(1.0f), exp(O::neg(x)))); }
  static V relu6(V x) { return clamp(x, O::set1(0.0f), O::set1(6.0f)); }
  // min(max(x, lo), hi) with NaN kept.
  static V clamp(V x, V lo, V hi) { return O::sel(O::isnan(x), x, O::min_raw(O::max_raw(x, lo), hi)); }

  // ---- drivers -----------------------------------------------------------------------------
  // Elements before y's next W-float boundary (util/align.h; none for n under 8 W): the drivers
  // run them first through the tail path, so the main loop's stores never straddle a cache line.
  static int64_t head_to_line(const float* y, int64_t n) {
    if constexpr (W == 1) {
      return 0;
    } else {
      return n < 8 * W ? 0 : floats_to_boundary(y, n, W * sizeof(float));
    }
  }
  // y[0, n) = f(x[0, n)) for n <= W, through W-lane buffers (no access outside the arrays).
  template <class F>
  static void map1_part(const float* x, float* y, int64_t n, F f) {
    float bx[W] = {}, by[W];
    std::memcpy(bx, x, static_cast<size_t>(n) * sizeof(float));
    O::store(by, f(O::load(bx)));
    std::memcpy(y, by, static_cast<size_t>(n) * sizeof(float));
  }
  template <class F>
  static void map2_part(const float* a, const float* b, float* y, int64_t n, F f) {
    float ba[W] = {}, bb[W] = {}, by[W];
    std::memcpy(ba, a, static_cast<size_t>(n) * sizeof(float));
    std::memcpy(bb, b, static_cast<size_t>(n) * sizeof(float));
    O::store(by, f(O::load(ba), O::load(bb)));
    std::memcpy(y, by, static_cast<size_t>(n) * sizeof(float));
  }

  // y[i] = f(x[i]) for n elements; the head to y's line boundary and the tail through W-lane
  // buffers. Four independent vectors a step, so the long dependency chains of the math
  // functions overlap.
  template <class F>
  static void map1(const float* x, float* y, int64_t n, F f) {
    int64_t i = head_to_line(y, n);
    if (i > 0) map1_part(x, y, i, f);
    for (; i + 4 * W <= n; i += 4 * W) {
      const V v0 = f(O::load(x + i)), v1 = f(O::load(x + i + W)), v2 = f(O::load(x + i + 2 * W)), v3 = f(O::load(x + i + 3 * W));
      O::store(y + i, v0), O::store(y + i + W, v1), O::store(y + i + 2 * W, v2), O::store(y + i + 3 * W, v3);
    }
    for (; i + W <= n; i += W) O::store(y + i, f(O::load(x + i)));
    if (i < n) map1_part(x + i, y + i, n - i, f);
  }
  template <class F>
  static void map2(const float* a, const float* b, float* y, int64_t n, F f) {
    int64_t i = head_to_line(y, n);
    if (i > 0) map2_part(a, b, y, i, f);
    for (; i + W <= n; i += W) O::store(y + i, f(O::load(a + i), O::load(b + i)));
    if (i < n) map2_part(a + i, b + i, y + i, n - i, f);
  }

  // ---- binary ------------------------------------------------------------------------------
  template <int K>
  static V bop(V a, V b) {
    if constexpr (K == 0) return O::add(a, b);
    if constexpr (K == 1) return O::sub(a, b);
    if constexpr (K == 2) return O::mul(a, b);
    if constexpr (K == 3) return O::div(a, b);
    if constexpr (K == 5) return O::sel(O::isnan(a), a, O::max_raw(a, b));  // NaN propagates
    if constexpr (K == 6) return O::sel(O::isnan(a), a, O::min_raw(a, b));
    return a;
  }
  template <int K>
  static void vv(const float* a, const float* b, float* y, int64_t n) {
    if constexpr (K == 4) {
      for (int64_t i = 0; i < n; ++i) y[i] = std::pow(a[i], b[i]);
    } else {
      map2(a, b, y, n, [](V u, V v) { return bop<K>(u, v); });
    }
  }
  template <int K>
  static void vs(const float* a, const float* b, float* y, int64_t n) {
    const float s = *b;
    if constexpr (K == 4) {
      for (int64_t i = 0; i < n; ++i) y[i] = std::pow(a[i], s);
    } else {
      const V bv = O::set1(s);
      map1(a, y, n, [bv](V u) { return bop<K>(u, bv); });
    }
  }
  template <int K>
  static void sv(const float* a, const float* b, float* y, int64_t n) {
    const float s = *a;
    if constexpr (K == 4) {
      for (int64_t i = 0; i < n; ++i) y[i] = std::pow(s, b[i]);
    } else {
      const V av = O::set1(s);
      map1(b, y, n, [av](V v) { return bop<K>(av, v); });
    }
  }

  // ---- unary (activation_kind order: relu sigmoid tanh neg exp log sqrt abs clamp leakyRelu
  //      relu6 silu gelu hardSigmoid hardSwish) --------------------------------------------
  template <int K>
  static void unary(const float* x, float* y, int64_t n, const float* params) {
    const V p0 = O::set1(params != nullptr ? params[0] : 0.0f);
    const V p1 = O::set1(params != nullptr && K == 8 ? params[1] : 0.0f);
    if constexpr (K == 2) {
      for (int64_t i = 0; i < n; ++i) y[i] = std::tanh(x[i]);
    } else {
      map1(x, y, n, [p0, p1](V v) -> V {
        const V zero = O::set1(0.0f);
        if constexpr (K == 0) return O::sel(O::lt(v, zero), zero, v);  // NaN kept
        if constexpr (K == 1) return sigmoid(v);
        if constexpr (K == 3) return O::neg(v);
        if constexpr (K == 4) return exp(v);
        if constexpr (K == 5) return log(v);
        if constexpr (K == 6) return O::sqrt(v);
        if constexpr (K == 7) return O::abs(v);
        if constexpr (K == 8) return clamp(v, p0, p1);
        if constexpr (K == 9) return O::sel(O::gt(v, zero), v, O::mul(v, p0));
        if constexpr (K == 10) return relu6(v);
        if constexpr (K == 11) return silu(v);
        if constexpr (K == 12) return O::mul(v, phi(v));
        if constexpr (K == 13) return O::div(relu6(O::add(v, O::set1(3.0f))), O::set1(6.0f));
        if constexpr (K == 14) return O::div(O::mul(v, relu6(O::add(v, O::set1(3.0f)))), O::set1(6.0f));
        return v;
      });
    }
  }

  template <int K>
  static void unary_backward(const float* dy, const float* t, float* dx, int64_t n, const float* params) {
    const V p0 = O::set1(params != nullptr ? params[0] : 0.0f);
    const V p1 = O::set1(params != nullptr && K == 8 ? params[1] : 0.0f);
    map2(dy, t, dx, n, [p0, p1](V g, V v) -> V {
      const V zero = O::set1(0.0f), one = O::set1(1.0f);
      if constexpr (K == 0) return O::sel(O::gt(v, zero), g, zero);
      if constexpr (K == 1) return O::mul(O::mul(g, v), O::sub(one, v));
      if constexpr (K == 2) return O::mul(g, O::sub(one, O::mul(v, v)));
      if constexpr (K == 3) return O::neg(g);
      if constexpr (K == 4) return O::mul(g, exp(v));
      if constexpr (K == 5) return O::div(g, v);
      if constexpr (K == 6) return O::div(g, O::mul(O::set1(2.0f), O::sqrt(v)));
      if constexpr (K == 7) return O::sel(O::gt(v, zero), g, O::sel(O::lt(v, zero), O::neg(g), zero));
      if constexpr (K == 8) return O::sel(O::mand(O::ge(v, p0), O::le(v, p1)), g, zero);
      if constexpr (K == 9) return O::sel(O::gt(v, zero), g, O::mul(g, p0));
      if constexpr (K == 10) return O::sel(O::mand(O::gt(v, zero), O::lt(v, O::set1(6.0f))), g, zero);
      if constexpr (K == 11) {
        const V s = sigmoid(v);
        return O::mul(O::mul(g, s), O::fmadd(v, O::sub(one, s), one));
      }
      if constexpr (K == 12) {
        const V cdf = phi(v);
        const V pdf = O::mul(exp(O::mul(O::set1(-0.5f), O::mul(v, v))), O::set1(0.3989422804014327f));
        return O::mul(g, O::fmadd(v, pdf, cdf));
      }
      if constexpr (K == 13) {
        return O::sel(O::mand(O::gt(v, O::set1(-3.0f)), O::lt(v, O::set1(3.0f))), O::div(g, O::set1(6.0f)), zero);
      }
      if constexpr (K == 14) {
        const V mid = O::mul(g, O::fmadd(v, O::set1(1.0f / 3.0f), O::set1(0.5f)));
        return O::sel(O::lt(v, O::set1(-3.0f)), zero, O::sel(O::le(v, O::set1(3.0f)), mid, g));
      }
      return g;
    });
  }

  // ---- reductions (reduce_kind order: sum max min) ------------------------------------------
  template <int K>
  static V racc(V acc, V v) {
    if constexpr (K == 0) return O::add(acc, v);
    if constexpr (K == 1) return O::max_raw(acc, v);
    return O::min_raw(acc, v);
  }
  template <int K>
  static float rinit() { return K == 0 ? 0.0f : K == 1 ? -INFINITY : INFINITY; }
  template <int K>
  static float hred(V v) {
    if constexpr (K == 0) return O::hsum(v);
    if constexpr (K == 1) return O::hmax(v);
    return O::hmin(v);
  }

  // A row's result from its four accumulators, its NaN lanes and the elements p[i, axis) the
  // vectors did not reach, added one by one after the horizontal reduction.
  template <int K>
  static float row_result(V a0, V a1, V a2, V a3, M nan, const float* p, int64_t i, int64_t axis) {
    float s = hred<K>(racc<K>(racc<K>(a0, a1), racc<K>(a2, a3)));
    bool has_nan = O::any(nan);
    for (; i < axis; ++i) {
      const float v = p[i];
      if constexpr (K == 0) s += v;
      if constexpr (K == 1) s = v > s ? v : s;
      if constexpr (K == 2) s = v < s ? v : s;
      if (v != v) has_nan = true;
    }
    return (K != 0 && has_nan) ? NAN : s;
  }

  // y[r] = reduce of the contiguous x[r*axis, (r+1)*axis), for rows rows.
  template <int K>
  static void rows(const float* x, float* y, int64_t rows, int64_t axis) {
    for (int64_t r = 0; r < rows; ++r) {
      const float* p = x + r * axis;
      if constexpr (O::kShiftedLoads) {
        if (row_shifted<K>(p, axis, y + r)) continue;
      }
      V a0 = O::set1(rinit<K>()), a1 = a0, a2 = a0, a3 = a0;
      M nan = O::isnan(O::set1(0.0f));
      int64_t i = 0;
      for (; i + 4 * W <= axis; i += 4 * W) {
        const V v0 = O::load(p + i), v1 = O::load(p + i + W), v2 = O::load(p + i + 2 * W), v3 = O::load(p + i + 3 * W);
        a0 = racc<K>(a0, v0), a1 = racc<K>(a1, v1), a2 = racc<K>(a2, v2), a3 = racc<K>(a3, v3);
        if constexpr (K != 0) nan = O::mor(nan, O::mor(O::mor(O::isnan(v0), O::isnan(v1)), O::mor(O::isnan(v2), O::isnan(v3))));
      }
      for (; i + W <= axis; i += W) {
        const V v = O::load(p + i);
        a0 = racc<K>(a0, v);
        if constexpr (K != 0) nan = O::mor(nan, O::isnan(v));
      }
      y[r] = row_result<K>(a0, a1, a2, a3, nan, p, i, axis);
    }
  }

  // One row as rows() reduces it, read through aligned lines when p starts s > 0 floats into a
  // line (a V8 typed array usually starts 16 bytes in): vector k = p[kW, kW + W) is lanes [s, W)
  // of line k and [0, s) of line k + 1 of q = p - s, joined in registers. The lanes and the order
  // of the adds are the plain loop's, so the result does not depend on the address; no lane
  // outside the row is read (the first and last lines are masked). False: not applicable.
  template <int K>
  static bool row_shifted(const float* p, int64_t axis, float* out) {
    const auto at = reinterpret_cast<uintptr_t>(p);
    const int s = static_cast<int>((at % (W * sizeof(float))) / sizeof(float));
    if ((at & 3) != 0 || s == 0 || axis < 4 * W) return false;
    const float* q = p - s;
    const int64_t nv = axis / W, groups = nv / 4;
    const auto idx = O::shift_index(s);
    const uint32_t next_lanes = (1u << s) - 1;  // of line k + 1, for vector k
    V cur = O::load_lanes(q, ((1u << W) - 1) & ~next_lanes);
    const auto vec = [&](int64_t k) {
      const float* l = q + (k + 1) * W;
      const V next = k + 1 < nv ? O::load_line(l) : O::load_lanes(l, next_lanes);
      const V v = O::join(cur, idx, next);
      cur = next;
      return v;
    };
    V a0 = O::set1(rinit<K>()), a1 = a0, a2 = a0, a3 = a0;
    M nan = O::isnan(O::set1(0.0f));
    int64_t k = 0;
    for (; k < 4 * groups && k + 4 < nv; k += 4) {  // line k + 4 lies inside the row: no masks
      const V l1 = O::load_line(q + (k + 1) * W), l2 = O::load_line(q + (k + 2) * W);
      const V l3 = O::load_line(q + (k + 3) * W), l4 = O::load_line(q + (k + 4) * W);
      const V v0 = O::join(cur, idx, l1), v1 = O::join(l1, idx, l2), v2 = O::join(l2, idx, l3), v3 = O::join(l3, idx, l4);
      cur = l4;
      a0 = racc<K>(a0, v0), a1 = racc<K>(a1, v1), a2 = racc<K>(a2, v2), a3 = racc<K>(a3, v3);
      if constexpr (K != 0) nan = O::mor(nan, O::mor(O::mor(O::isnan(v0), O::isnan(v1)), O::mor(O::isnan(v2), O::isnan(v3))));
    }
    for (; k < 4 * groups; k += 4) {
      const V v0 = vec(k), v1 = vec(k + 1), v2 = vec(k + 2), v3 = vec(k + 3);
      a0 = racc<K>(a0, v0), a1 = racc<K>(a1, v1), a2 = racc<K>(a2, v2), a3 = racc<K>(a3, v3);
      if constexpr (K != 0) nan = O::mor(nan, O::mor(O::mor(O::isnan(v0), O::isnan(v1)), O::mor(O::isnan(v2), O::isnan(v3))));
    }
    for (; k < nv; ++k) {
      const V v = vec(k);
      a0 = racc<K>(a0, v);
      if constexpr (K != 0) nan = O::mor(nan, O::isnan(v));
    }
    *out = row_result<K>(a0, a1, a2, a3, nan, p, nv * W, axis);
    return true;
  }

  // y[i] = reduce over a < axis of x[a*inner + i], for i < n (n <= inner).
  template <int K>
  static void cols(const float* x, float* y, int64_t axis, int64_t inner, int64_t n) {
    int64_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
      V a0 = O::set1(rinit<K>()), a1 = a0;
      M n0 = O::isnan(O::set1(0.0f)), n1 = n0;
      for (int64_t a = 0; a < axis; ++a) {
        const V v0 = O::load(x + a * inner + i), v1 = O::load(x + a * inner + i + W);
        a0 = racc<K>(a0, v0), a1 = racc<K>(a1, v1);
        if constexpr (K != 0) n0 = O::mor(n0, O::isnan(v0)), n1 = O::mor(n1, O::isnan(v1));
      }
      if constexpr (K != 0) a0 = O::sel(n0, O::set1(NAN), a0), a1 = O::sel(n1, O::set1(NAN), a1);
      O::store(y + i, a0), O::store(y + i + W, a1);
    }
    for (; i + W <= n; i += W) {
      V a0 = O::set1(rinit<K>());
      M n0 = O::isnan(O::set1(0.0f));
      for (int64_t a = 0; a < axis; ++a) {
        const V v0 = O::load(x + a * inner + i);
        a0 = racc<K>(a0, v0);
        if constexpr (K != 0) n0 = O::mor(n0, O::isnan(v0));
      }
      if constexpr (K != 0) a0 = O::sel(n0, O::set1(NAN), a0);
      O::store(y + i, a0);
    }
    for (; i < n; ++i) {
      float s = rinit<K>();
      bool has_nan = false;
      for (int64_t a = 0; a < axis; ++a) {
        const float v = x[a * inner + i];
        if constexpr (K == 0) s += v;
        if constexpr (K == 1) s = v > s ? v : s;
        if constexpr (K == 2) s = v < s ? v : s;
        if (v != v) has_nan = true;
      }
      y[i] = (K != 0 && has_nan) ? NAN : s;
    }
  }

  // argmax of each contiguous row: the first maximum, or the first NaN.
  static void argmax_rows(const float* x, int32_t* y, int64_t rows, int64_t axis) {
    for (int64_t r = 0; r < rows; ++r) {
      const float* p = x + r * axis;
      float m = -INFINITY;
      bool nan = false;
      int64_t i = 0;
      if (axis >= W) {
        V a = O::set1(-INFINITY);
        M nm = O::isnan(O::set1(0.0f));
        for (; i + W <= axis; i += W) {
          const V v = O::load(p + i);
          a = O::max_raw(a, v);
          nm = O::mor(nm, O::isnan(v));
        }
        m = O::hmax(a);
        nan = O::any(nm);
      }
      for (; i < axis; ++i) {
        if (p[i] != p[i]) nan = true;
        m = p[i] > m ? p[i] : m;
      }
      int64_t at = 0;
      if (nan) {
        while (p[at] == p[at]) ++at;
      } else {
        while (at < axis - 1 && !(p[at] == m)) ++at;
      }
      y[r] = static_cast<int32_t>(at);
    }
  }

  // argmax over a < axis of x[a*inner + i], for i < n (n <= inner); axis < 2^24.
  static void argmax_cols(const float* x, int32_t* y, int64_t axis, int64_t inner, int64_t n) {
    int64_t i = 0;
    for (; i + W <= n; i += W) {
      V best = O::load(x + i), idx = O::set1(0.0f);
      for (int64_t a = 1; a < axis; ++a) {
        const V v = O::load(x + a * inner + i);
        const M take = O::mor(O::gt(v, best), O::mand(O::isnan(v), O::mnot(O::isnan(best))));
        best = O::sel(take, v, best);
        idx = O::sel(take, O::set1(static_cast<float>(a)), idx);
      }
      O::store_i32(y + i, idx);
    }
    for (; i < n; ++i) y[i] = argmax_col(x + i, axis, inner);
  }

  // ---- tables ------------------------------------------------------------------------------
  template <int... K>
  static void fill_binary(elementwise_ukernels& t, std::integer_sequence<int, K...>) {
    ((t.binary[K][0] = vv<K>, t.binary[K][1] = vs<K>, t.binary[K][2] = sv<K>), ...);
  }
  template <int... K>
  static void fill_unary(elementwise_ukernels& t, std::integer_sequence<int, K...>) {
    ((t.unary[K] = unary<K>, t.unary_backward[K] = unary_backward<K>), ...);
  }
  static elementwise_ukernels elementwise_table() {
    elementwise_ukernels t{};
    fill_binary(t, std::make_integer_sequence<int, kBinaryKinds>{});
    fill_unary(t, std::make_integer_sequence<int, kActivationKinds>{});
    return t;
  }
  static reduce_ukernels reduce_table() {
    reduce_ukernels t{};
    t.rows[0] = rows<0>, t.rows[1] = rows<1>, t.rows[2] = rows<2>;
    t.cols[0] = cols<0>, t.cols[1] = cols<1>, t.cols[2] = cols<2>;
    t.argmax_rows = argmax_rows, t.argmax_cols = argmax_cols;
    return t;
  }
};

}  // namespace
}  // namespace convkit
