// The row structure of the f32 GEMV kernels (contract in configs/gemm-config.h: m = 1 or 2 rows
// of x), written once and instantiated inside each ISA's kernel file with that ISA's vector
// steps, so every instantiation is compiled with its own ISA flags and inlines to straight
// vector code. ISA-neutral: no intrinsics here.
//
// An Isa type (gemv-avx2.h, gemv-avx512.h, f32-gemv-nt-neon.cc) provides
//   vec, width                   the vector type and its float lanes
//   Isa(end)                     for rows of `end` floats
//   vec_end()                    vector steps cover [0, vec_end()) (the last step may be
//                                masked); gemv_nt adds [vec_end(), end) in scalar code,
//                                gemv_nn needs vec_end() == end
//   at(i)                        lanes i..i+width-1 of such a row: load(src), store(dst, v)
//   zero(), splat(f), fma(a, b, acc) = acc + a*b, sum(v) (horizontal)
//   prefetch4(row, ld)           hint the line at `row` in 4 consecutive rows (may do nothing)
#pragma once
#include <cstdint>

namespace convkit {
namespace gemv {

// Four consecutive rows of a row-major matrix with leading dimension ld.
struct rows4 {
  const float* row[4];
  rows4(const float* first, int64_t ld) : row{first, first + ld, first + 2 * ld, first + 3 * ld} {}
};

// acc + sum of x[p] * b[p] over p in [from, to), in order.
inline float dot_tail(float acc, const float* x, const float* b, int64_t from, int64_t to) {
  for (int64_t p = from; p < to; ++p) acc += x[p] * b[p];
  return acc;
}

// y[r, j] = dot(x[r, 0:k], B[j, 0:k]), B [n, k]. 4 rows of B per pass (4 sequential streams),
// each x vector loaded once for the 4; one horizontal sum per output.
template <class Isa>
void gemv_nt(int64_t m, int64_t n, int64_t k, const float* x, const float* b, int64_t ldb, float* y, int64_t ldy) {
  using V = typename Isa::vec;
  const Isa isa(k);
  const int64_t kv = isa.vec_end();
  const float* x1 = x + k;
  const bool two = m == 2;
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) {
    const rows4 r(b + j * ldb, ldb);
    V s0 = Isa::zero(), s1 = s0, s2 = s0, s3 = s0;  // x row 0 . B rows j..j+3
    V t0 = s0, t1 = s0, t2 = s0, t3 = s0;            // x row 1 . B rows j..j+3
    const bool ahead = j + 8 <= n;                   // the next 4 rows exist
    for (int64_t p = 0; p < kv; p += Isa::width) {
      const auto l = isa.at(p);
      if (ahead) Isa::prefetch4(r.row[0] + 4 * ldb + p, ldb);
      const V v0 = l.load(r.row[0] + p), v1 = l.load(r.row[1] + p);
      const V v2 = l.load(r.row[2] + p), v3 = l.load(r.row[3] + p);
      const V xa = l.load(x + p);
      s0 = Isa::fma(xa, v0, s0), s1 = Isa::fma(xa, v1, s1);
      s2 = Isa::fma(xa, v2, s2), s3 = Isa::fma(xa, v3, s3);
      if (two) {
        const V xb = l.load(x1 + p);
        t0 = Isa::fma(xb, v0, t0), t1 = Isa::fma(xb, v1, t1);
        t2 = Isa::fma(xb, v2, t2), t3 = Isa::fma(xb, v3, t3);
      }
    }
    auto put = [&](const float* xr, V a0, V a1, V a2, V a3, float* out) {
      const V acc[4] = {a0, a1, a2, a3};
      for (int i = 0; i < 4; ++i) out[i] = dot_tail(Isa::sum(acc[i]), xr, r.row[i], kv, k);
    };
    put(x, s0, s1, s2, s3, y + j);
    if (two) put(x1, t0, t1, t2, t3, y + ldy + j);
  }
  // The last n % 4 rows of B, one at a time.
  for (; j < n; ++j) {
    const float* bj = b + j * ldb;
    V s = Isa::zero(), t = s;
    for (int64_t p = 0; p < kv; p += Isa::width) {
      const auto l = isa.at(p);
      const V v = l.load(bj + p);
      s = Isa::fma(l.load(x + p), v, s);
      if (two) t = Isa::fma(l.load(x1 + p), v, t);
    }
    y[j] = dot_tail(Isa::sum(s), x, bj, kv, k);
    if (two) y[ldy + j] = dot_tail(Isa::sum(t), x1, bj, kv, k);
  }
}

// y[r, 0:n] = sum_p x[r, p] * B[p, 0:n], B [k, n]. B is read once, 4 rows per sweep over the
// columns (4 sequential streams, prefetched one sweep ahead where the Isa does); y ([m, n], a
// few KiB) stays in L1: the first sweep writes it, later ones add.
template <class Isa>
void gemv_nn(int64_t m, int64_t n, int64_t k, const float* x, const float* b, int64_t ldb, float* y, int64_t ldy) {
  using V = typename Isa::vec;
  const Isa isa(n);
  float* y0 = y;
  float* y1 = y + ldy;
  const float* x1 = x + k;
  int64_t p = 0;
  for (; p + 4 <= k; p += 4) {
    const rows4 r(b + p * ldb, ldb);
    const V a0 = Isa::splat(x[p]), a1 = Isa::splat(x[p + 1]);
    const V a2 = Isa::splat(x[p + 2]), a3 = Isa::splat(x[p + 3]);
    const bool ahead = p + 8 <= k;  // the next 4 rows exist
    if (m == 1) {
      for (int64_t j = 0; j < n; j += Isa::width) {
        const auto l = isa.at(j);
        if (ahead) Isa::prefetch4(r.row[3] + ldb + j, ldb);
        V acc = p == 0 ? Isa::zero() : l.load(y0 + j);
        acc = Isa::fma(a0, l.load(r.row[0] + j), acc);
        acc = Isa::fma(a1, l.load(r.row[1] + j), acc);
        acc = Isa::fma(a2, l.load(r.row[2] + j), acc);
        acc = Isa::fma(a3, l.load(r.row[3] + j), acc);
        l.store(y0 + j, acc);
      }
    } else {
      const V c0 = Isa::splat(x1[p]), c1 = Isa::splat(x1[p + 1]);
      const V c2 = Isa::splat(x1[p + 2]), c3 = Isa::splat(x1[p + 3]);
      for (int64_t j = 0; j < n; j += Isa::width) {
        const auto l = isa.at(j);
        if (ahead) Isa::prefetch4(r.row[3] + ldb + j, ldb);
        const V v0 = l.load(r.row[0] + j), v1 = l.load(r.row[1] + j);
        const V v2 = l.load(r.row[2] + j), v3 = l.load(r.row[3] + j);
        V acc0 = p == 0 ? Isa::zero() : l.load(y0 + j);
        V acc1 = p == 0 ? Isa::zero() : l.load(y1 + j);
        // Row 0 stored before row 1's sums: y may alias B as far as the compiler knows, so
        // v0..v3 stay in registers instead of being loaded again for row 1.
        l.store(y0 + j, Isa::fma(a3, v3, Isa::fma(a2, v2, Isa::fma(a1, v1, Isa::fma(a0, v0, acc0)))));
        acc1 = Isa::fma(c3, v3, Isa::fma(c2, v2, Isa::fma(c1, v1, Isa::fma(c0, v0, acc1))));
        l.store(y1 + j, acc1);
      }
    }
  }
  // The last k % 4 rows, one at a time.
  for (; p < k; ++p) {
    const float* bp = b + p * ldb;
    const V a0 = Isa::splat(x[p]);
    const V c0 = Isa::splat(m == 2 ? x1[p] : 0.0f);
    for (int64_t j = 0; j < n; j += Isa::width) {
      const auto l = isa.at(j);
      const V v = l.load(bp + j);
      l.store(y0 + j, Isa::fma(a0, v, p == 0 ? Isa::zero() : l.load(y0 + j)));
      if (m == 2) l.store(y1 + j, Isa::fma(c0, v, p == 0 ? Isa::zero() : l.load(y1 + j)));
    }
  }
}

}  // namespace gemv
}  // namespace convkit
