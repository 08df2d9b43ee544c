// qgemm (int8 dynamic quantization, convkit/qgemm.h) against a reference written from the
// header's formula alone (plain loops, int64 sums, each float operation rounded on its own),
// bit for bit: every transpose pair, K not a multiple of 4, ragged M / N tiles, alpha / beta,
// row strides with gaps (untouched), zero and tiny operands, NaN and infinities (a flagged A
// or column), K = 0 and the K limit. The suite runs at each ISA level, and with
// CONVKIT_INT8=emulate: the VNNI kernels and the portable loops must give the same bits.
#include <cmath>
#include <cstring>
#include <limits>

#include "configs/qgemm-config.h"
#include "convkit/last-path.h"
#include "convkit/qgemm.h"
#include "harness.h"

using test::guarded;

namespace {

uint32_t bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}

// One rounded operation at a time: volatile keeps each result a float of its own.
float mulr(float x, float y) { volatile float r = x * y; return r; }
float addr(float x, float y) { volatile float r = x + y; return r; }
float divr(float x, float y) { volatile float r = x / y; return r; }

int32_t quant(float x, float s) {
  if (s == 0.0f) return 0;
  const float v = std::nearbyint(divr(x, s));
  return static_cast<int32_t>(std::fmin(std::fmax(v, -127.0f), 127.0f));
}

void qgemm_reference(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                     const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  auto A = [&](int64_t i, int64_t p) { return ta ? a[p * lda + i] : a[i * lda + p]; };
  auto B = [&](int64_t p, int64_t j) { return tb ? b[j * ldb + p] : b[p * ldb + j]; };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto scale = [&](bool bad, float mx) { return bad ? nan : divr(mx, 127.0f); };
  float amax = 0;
  bool abad = false;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) abad |= !std::isfinite(A(i, p)), amax = std::fmax(amax, std::fabs(A(i, p)));
  const float sa = scale(abad, amax);
  for (int64_t j = 0; j < n; ++j) {
    float bmax = 0;
    bool bbad = false;
    for (int64_t p = 0; p < k; ++p) bbad |= !std::isfinite(B(p, j)), bmax = std::fmax(bmax, std::fabs(B(p, j)));
    const float sb = scale(bbad, bmax);
    const float s = mulr(sa, sb);
    for (int64_t i = 0; i < m; ++i) {
      int64_t q = 0;
      for (int64_t p = 0; p < k; ++p) q += quant(A(i, p), abad ? 0.0f : sa) * quant(B(p, j), bbad ? 0.0f : sb);
      const float d = mulr(static_cast<float>(q), s);
      float y = mulr(alpha, d);
      if (beta != 0.0f) y = addr(y, mulr(beta, c[i * ldc + j]));
      c[i * ldc + j] = y;
    }
  }
}

bool same_bits(const float* x, const float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    if (bits(x[i]) != bits(y[i]) && !(std::isnan(x[i]) && std::isnan(y[i]))) return false;
  }
  return true;
}

void check_qgemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, float beta, int64_t pad,
                 void (*edit)(std::vector<float>&, std::vector<float>&) = nullptr) {
  const int64_t a_rows = ta ? k : m, a_cols = ta ? m : k, b_rows = tb ? n : k, b_cols = tb ? k : n;
  const int64_t lda = a_cols + pad, ldb = b_cols + pad, ldc = n + pad;
  const size_t na = a_rows * lda, nb = b_rows * ldb, nc = (m - 1) * ldc + n;
  auto av = test::rand_vec(na), bv = test::rand_vec(nb, -0.2f, 0.2f);
  const auto cv = test::rand_vec(nc);
  if (edit) edit(av, bv);
  guarded a(na), b(nb), c(nc);
  a.copy_from(av);
  b.copy_from(bv);
  c.copy_from(cv);
  std::vector<float> want = cv;
  qgemm_reference(ta, tb, m, n, k, alpha, av.data(), lda, bv.data(), ldb, beta, want.data(), ldc);
  CHECK(convkit::qgemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc), "qgemm refused");
  char name[96];
  std::snprintf(name, sizeof name, "qgemm %s%s m%ld n%ld k%ld", ta ? "T" : "N", tb ? "T" : "N", (long)m, (long)n, (long)k);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      const float g = c[i * ldc + j], w = want[i * ldc + j];
      if (bits(g) != bits(w) && !(std::isnan(g) && std::isnan(w))) {
        CHECK(false, "%s: (%ld, %ld) got %.9g want %.9g", name, (long)i, (long)j, g, w);
        return;
      }
    }
    for (int64_t j = n; i + 1 < m && j < ldc; ++j) {
      CHECK(bits(c[i * ldc + j]) == bits(cv[i * ldc + j]), "%s: ldc gap written at %ld, %ld", name, (long)i, (long)j);
    }
  }
}

}  // namespace

TEST(qgemm_matches_the_formula_bit_for_bit) {
  std::printf("  kernels: %s\n", convkit::get_qgemm_plan().native ? "avx512_vnni" : "portable");
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    check_qgemm(ta, tb, 1, 1, 1, 1.0f, 0.0f, 0);
    check_qgemm(ta, tb, 13, 33, 7, 1.0f, 0.0f, 0);       // one tile + 1 row, one panel + 1 column, K % 4 = 3
    check_qgemm(ta, tb, 100, 70, 129, -0.5f, 0.75f, 3);  // alpha, beta, gaps
    check_qgemm(ta, tb, 97, 257, 64, 1.0f, 1.0f, 0);     // beta 1, several row blocks and panel groups
    check_qgemm(ta, tb, 5, 16, 1000, 2.0f, 0.0f, 1);
  }
  for (int r = 0; r < 20; ++r) {  // random shapes
    check_qgemm(test::rand_int(0, 1), test::rand_int(0, 1), test::rand_int(1, 60), test::rand_int(1, 80),
                test::rand_int(1, 300), r % 3 ? 1.0f : 0.5f, r % 2 ? 0.0f : -1.0f, test::rand_int(0, 2));
  }
}

TEST(qgemm_zero_tiny_and_nonfinite_operands) {
  // An all-zero A: scale 0, every product 0.
  check_qgemm(false, false, 20, 40, 50, 1.0f, 0.5f, 0, [](std::vector<float>& a, std::vector<float>&) { std::fill(a.begin(), a.end(), 0.0f); });
  // One zero column of B, denormal values elsewhere in A.
  check_qgemm(false, true, 20, 40, 50, 1.0f, 0.0f, 0, [](std::vector<float>& a, std::vector<float>& b) {
    for (size_t i = 0; i < b.size(); i += 40) b[i] = 0.0f;
    for (size_t i = 0; i < a.size(); i += 3) a[i] *= 1e-40f;
  });
  check_qgemm(false, false, 9, 9, 9, 1.0f, 0.0f, 0, [](std::vector<float>& a, std::vector<float>&) {
    for (auto& x : a) x *= 1e-44f;  // the scale itself denormal or 0
  });
  // NaN / infinity in A: every output NaN; in one column of B: that column.
  check_qgemm(false, false, 15, 35, 20, 1.0f, 0.0f, 0, [](std::vector<float>& a, std::vector<float>&) { a[17] = std::numeric_limits<float>::quiet_NaN(); });
  check_qgemm(true, false, 15, 35, 20, 1.0f, 1.0f, 0, [](std::vector<float>& a, std::vector<float>&) { a[3] = -std::numeric_limits<float>::infinity(); });
  check_qgemm(false, false, 15, 35, 20, 1.0f, 0.0f, 0, [](std::vector<float>&, std::vector<float>& b) { b[2 * 35 + 4] = std::numeric_limits<float>::infinity(); });
  check_qgemm(false, true, 15, 35, 20, 1.0f, 0.0f, 0, [](std::vector<float>&, std::vector<float>& b) { b[7 * 20 + 19] = std::numeric_limits<float>::quiet_NaN(); });
  // Every value equal: each quantizes to +-127 exactly (the scale's rounding clamped).
  check_qgemm(false, false, 30, 30, 30, 1.0f, 0.0f, 0, [](std::vector<float>& a, std::vector<float>& b) {
    for (size_t i = 0; i < a.size(); ++i) a[i] = i % 2 ? 0.3f : -0.3f;
    for (auto& x : b) x = 1.7f;
  });
}

TEST(qgemm_k_zero_and_the_k_limit) {
  std::vector<float> c(12, 5.0f);
  const float a = 1, b = 1;
  CHECK(convkit::qgemm(false, false, 3, 4, 0, 1.0f, &a, 1, &b, 4, 0.5f, c.data(), 4), "k = 0 refused");
  for (float x : c) CHECK(x == 2.5f, "k = 0: C = 0 + 0.5 * 5, got %g", x);
  CHECK(!convkit::qgemm(false, false, 3, 4, convkit::kQgemmMaxK + 1, 1.0f, &a, 1, &b, 4, 0.0f, c.data(), 4), "K over the limit accepted");
  for (float x : c) CHECK(x == 2.5f, "C written for K over the limit");
  // The largest sums: K = the limit, every quantized value 127 (A) and -127 (B).
  const int64_t k = convkit::kQgemmMaxK, m = 2, n = 3;
  std::vector<float> av(m * k, 1.0f), bv(k * n, -2.0f), got(m * n), want(m * n);
  qgemm_reference(false, false, m, n, k, 1.0f, av.data(), k, bv.data(), n, 0.0f, want.data(), n);
  CHECK(convkit::qgemm(false, false, m, n, k, 1.0f, av.data(), k, bv.data(), n, 0.0f, got.data(), n), "K at the limit refused");
  CHECK(same_bits(got.data(), want.data(), m * n), "K at the limit: got %.9g want %.9g", got[0], want[0]);
}

int main() { return test::run_all("qgemm-test"); }
