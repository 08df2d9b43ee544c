// sgemm against sgemm_ref, tests named for the edge they probe (XNNPACK style), and large
// products by residual: C.t against A.(B.t) for a random vector t (BLIS style).
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>

#include "convkit/gemm.h"
#include "harness.h"

using test::guarded;

namespace {

struct gemm_case {
  bool ta, tb;
  int64_t m, n, k;
  float alpha = 1.0f, beta = 0.0f;
  int64_t pad_a = 0, pad_b = 0, pad_c = 0;  // extra leading-dimension elements
  bool nan_c = false;                        // C starts as NaN (beta must be 0)
};

void check_gemm(const char* name, const gemm_case& g) {
  const int64_t a_rows = g.ta ? g.k : g.m, a_cols = g.ta ? g.m : g.k;
  const int64_t b_rows = g.tb ? g.n : g.k, b_cols = g.tb ? g.k : g.n;
  const int64_t lda = a_cols + g.pad_a, ldb = b_cols + g.pad_b, ldc = g.n + g.pad_c;
  auto extent = [](int64_t rows, int64_t cols, int64_t ld) {
    return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols;
  };
  const size_t na = extent(a_rows, a_cols, lda), nb = extent(b_rows, b_cols, ldb), nc = extent(g.m, g.n, ldc);
  const auto av = test::rand_vec(na), bv = test::rand_vec(nb);
  auto cv = test::rand_vec(nc);
  if (g.nan_c) for (auto& x : cv) x = std::numeric_limits<float>::quiet_NaN();
  guarded a(na), b(nb), c(nc);
  a.copy_from(av);
  b.copy_from(bv);
  c.copy_from(cv);
  std::vector<float> want = cv, bound(nc);
  convkit::sgemm_ref(g.ta, g.tb, g.m, g.n, g.k, g.alpha, av.data(), lda, bv.data(), ldb, g.beta, want.data(), ldc);
  // bound = |alpha| |A||B| + |beta||C|, the exact sum of |terms|
  std::vector<float> aa(av), ab(bv), ac(cv);
  for (auto& x : aa) x = std::fabs(x);
  for (auto& x : ab) x = std::fabs(x);
  for (size_t i = 0; i < nc; ++i) ac[i] = g.nan_c ? 0.0f : std::fabs(cv[i]);
  bound = ac;
  convkit::sgemm_ref(g.ta, g.tb, g.m, g.n, g.k, std::fabs(g.alpha), aa.data(), lda, ab.data(), ldb,
                     std::fabs(g.beta), bound.data(), ldc);
  convkit::sgemm(g.ta, g.tb, g.m, g.n, g.k, g.alpha, a.data(), lda, b.data(), ldb, g.beta, c.data(), ldc);
  // Compare only the M x N matrix; the ld gaps must stay untouched.
  for (int64_t i = 0; i < g.m; ++i) {
    if (!test::close(name, c.data() + i * ldc, want.data() + i * ldc, bound.data() + i * ldc, g.n, g.k + 1)) return;
    if (i + 1 < g.m) {
      for (int64_t j = g.n; j < ldc; ++j) {
        const float before = cv[i * ldc + j], after = c[i * ldc + j];
        CHECK(std::memcmp(&before, &after, sizeof(float)) == 0, "%s: ldc gap written at row %ld col %ld", name, (long)i, (long)j);
      }
    }
  }
}

// Every case in all four transpose combinations.
void check_all_transposes(const char* name, gemm_case g) {
  for (int t = 0; t < 4; ++t) {
    g.ta = t & 1;
    g.tb = t & 2;
    check_gemm(name, g);
  }
}

}  // namespace

TEST(k_eq_1) { check_all_transposes("k_eq_1", {false, false, 17, 40, 1}); }
TEST(k_lt_unroll) { for (int64_t k = 2; k < 8; ++k) check_all_transposes("k_lt_unroll", {false, false, 16, 32, k}); }
TEST(k_eq_kc) { check_all_transposes("k_eq_kc", {false, false, 24, 64, 256}); }
TEST(k_gt_kc) { check_all_transposes("k_gt_kc", {false, false, 19, 70, 700, 1.0f, 0.5f}); }
TEST(n_lt_tile) { for (int64_t n = 5; n < 32; n += 3) check_all_transposes("n_lt_tile", {false, false, 20, n, 33}); }
TEST(n_gt_tile) { for (int64_t n : {33, 47, 65, 100}) check_all_transposes("n_gt_tile", {false, false, 20, n, 21}); }
TEST(subtile_m) { for (int64_t m = 3; m < 20; ++m) check_all_transposes("subtile_m", {false, false, m, 48, 17}); }
TEST(m_eq_1) { check_all_transposes("m_eq_1", {false, false, 1, 300, 77, 1.5f, 0.25f}); }
TEST(m_eq_2) { check_all_transposes("m_eq_2", {false, false, 2, 129, 64}); }
TEST(n_eq_1) { check_all_transposes("n_eq_1", {false, false, 70, 1, 50}); }
TEST(m_gt_mc) { check_all_transposes("m_gt_mc", {false, false, 450, 40, 30}); }
TEST(n_gt_nc) { check_gemm("n_gt_nc", {false, false, 9, 4200, 5, 1.0f, 1.0f}); }
TEST(strided_a) { check_all_transposes("strided_a", {false, false, 23, 45, 37, 1.0f, 0.0f, 5, 0, 0}); }
TEST(strided_b) { check_all_transposes("strided_b", {false, false, 23, 45, 37, 1.0f, 0.0f, 0, 7, 0}); }
TEST(strided_cm) { check_all_transposes("strided_cm", {false, false, 23, 45, 37, 1.0f, 0.7f, 0, 0, 11}); }
TEST(strided_all) { check_all_transposes("strided_all", {false, false, 41, 67, 300, -1.0f, 2.0f, 3, 9, 17}); }
TEST(beta_0_nan_c) { check_all_transposes("beta_0_nan_c", {false, false, 37, 53, 29, 1.0f, 0.0f, 0, 0, 0, true}); }
TEST(beta_0_nan_c_small) { check_all_transposes("beta_0_nan_c_small", {false, false, 2, 5, 3, 1.0f, 0.0f, 0, 0, 0, true}); }
TEST(alpha_beta_values) {
  for (float alpha : {0.5f, -2.0f, 1.0f}) {
    for (float beta : {0.0f, 1.0f, -0.75f, 3.0f}) check_all_transposes("alpha_beta", {false, false, 30, 50, 40, alpha, beta});
  }
}
TEST(alpha_0_scales_c) { check_all_transposes("alpha_0", {false, false, 12, 34, 20, 0.0f, 0.5f}); }
TEST(k_eq_0) { check_gemm("k_eq_0", {false, false, 12, 34, 0, 1.0f, 2.0f}); }
TEST(k_eq_0_beta_0_nan_c) { check_gemm("k_eq_0_nan", {false, false, 12, 34, 0, 1.0f, 0.0f, 0, 0, 0, true}); }
TEST(m_or_n_eq_0) {
  check_gemm("m_eq_0", {false, false, 0, 10, 10});
  check_gemm("n_eq_0", {false, true, 10, 0, 10});
}
TEST(random_shapes) {
  for (int i = 0; i < 60; ++i) {
    gemm_case g{test::rand_int(0, 1) == 1, test::rand_int(0, 1) == 1, test::rand_int(1, 90),
                test::rand_int(1, 130), test::rand_int(1, 300)};
    g.beta = test::rand_int(0, 1) ? 0.0f : 0.5f;
    g.pad_a = test::rand_int(0, 3);
    g.pad_c = test::rand_int(0, 3);
    check_gemm("random", g);
  }
}
TEST(single_thread_matches) {
  const int saved = convkit::get_num_threads();
  convkit::set_num_threads(1);
  check_all_transposes("single_thread", {false, false, 100, 90, 300, 1.0f, 0.5f});
  convkit::set_num_threads(saved);
}

// Large products: residual r = C.t - A.(B.t), in double, against the bound |A|(|B||t|).
static void residual(bool ta, bool tb, int64_t m, int64_t n, int64_t k) {
  const int64_t lda = ta ? m : k, ldb = tb ? k : n;
  guarded a(m * k), b(k * n), c(m * n);
  a.copy_from(test::rand_vec(m * k));
  b.copy_from(test::rand_vec(k * n));
  convkit::sgemm(ta, tb, m, n, k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), n);
  const auto t = test::rand_vec(n);
  auto A = [&](int64_t i, int64_t p) { return (double)(ta ? a[p * lda + i] : a[i * lda + p]); };
  auto B = [&](int64_t p, int64_t j) { return (double)(tb ? b[j * ldb + p] : b[p * ldb + j]); };
  std::vector<double> bt(k), abst(k);
  for (int64_t p = 0; p < k; ++p) {
    double s = 0, sa = 0;
    for (int64_t j = 0; j < n; ++j) { s += B(p, j) * t[j]; sa += std::fabs(B(p, j) * t[j]); }
    bt[p] = s;
    abst[p] = sa;
  }
  const double eps = 1.1920929e-7;
  for (int64_t i = 0; i < m; ++i) {
    double ct = 0, abt = 0, bound = 0;
    for (int64_t j = 0; j < n; ++j) ct += (double)c[i * n + j] * t[j];
    for (int64_t p = 0; p < k; ++p) { abt += A(i, p) * bt[p]; bound += std::fabs(A(i, p)) * abst[p]; }
    const double tol = 4 * eps * (std::sqrt((double)k) + std::sqrt((double)n)) * bound + 1e-6;
    if (std::fabs(ct - abt) > tol) {
      CHECK(false, "residual %ldx%ldx%ld ta=%d tb=%d row %ld: %.3g > %.3g", (long)m, (long)n, (long)k, ta, tb, (long)i, std::fabs(ct - abt), tol);
      return;
    }
  }
}
TEST(large_residual) {
  residual(false, false, 1024, 1024, 1024);
  residual(true, false, 513, 700, 900);
  residual(false, true, 700, 513, 901);
  residual(true, true, 333, 1000, 555);
}

// The GEMV paths: M = 1 or 2 (x . op(B), B streamed once), M = 3 or 4 against B^T (two
// rows at a time; B not transposed takes the blocked path) and N = 1 (op(A) . b), every
// transpose, k and n around the vector widths (16 / 8) and the 4-row unroll, strides, alpha
// and beta, NaN C with beta = 0.
TEST(gemv_m_le_2_shapes) {
  for (int64_t m : {1, 2, 3, 4}) {
    for (int64_t k : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33, 100}) {
      for (int64_t n : {2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 130}) {
        check_all_transposes("gemv_m_le_2", {false, false, m, n, k});
      }
    }
  }
}
TEST(gemv_m_le_2_strided) {
  for (int64_t m : {1, 2, 3, 4}) {
    check_all_transposes("gemv_strided", {false, false, m, 45, 37, 1.0f, 0.0f, 5, 7, 11});
    check_all_transposes("gemv_strided_beta", {false, false, m, 100, 19, -1.5f, 0.5f, 3, 9, 2});
  }
}
TEST(gemv_alpha_beta) {
  for (int64_t m : {1, 2}) {
    for (float alpha : {0.5f, -2.0f, 1.0f}) {
      for (float beta : {0.0f, 1.0f, -0.75f}) check_all_transposes("gemv_alpha_beta", {false, false, m, 50, 40, alpha, beta});
    }
    check_all_transposes("gemv_beta_0_nan_c", {false, false, m, 53, 29, 1.0f, 0.0f, 0, 0, 4, true});
  }
}
TEST(gemv_n_eq_1) {
  for (int64_t m : {1, 2, 3, 5, 16, 17, 64, 100}) {
    for (int64_t k : {1, 3, 4, 17, 64}) check_all_transposes("gemv_n_eq_1", {false, false, m, 1, k, 1.0f, 0.5f});
  }
  check_all_transposes("gemv_n_eq_1_strided", {false, false, 37, 1, 29, -1.0f, 2.0f, 3, 5, 7});
  check_all_transposes("gemv_n_eq_1_nan_c", {false, false, 37, 1, 29, 1.0f, 0.0f, 0, 0, 2, true});
}
// Big enough (B >= 1 MiB) that the GEMV splits over threads; also on one thread.
TEST(gemv_threaded) {
  const int saved = convkit::get_num_threads();
  for (int threads : {saved, 1}) {
    convkit::set_num_threads(threads);
    check_all_transposes("gemv_fc_b1", {false, false, 1, 1000, 2048});
    check_all_transposes("gemv_m_eq_2_big", {false, false, 2, 1001, 513, 1.0f, 0.5f, 1, 3, 5});
    check_all_transposes("gemv_n_eq_1_big", {false, false, 1100, 1, 300, 2.0f, -1.0f});
  }
  convkit::set_num_threads(saved);
}
// The blocked path at the tile edges: M, N one either side of multiples of the tiles and
// of MC, K across KC, on one thread and on all.
TEST(blocked_edges) {
  const int saved = convkit::get_num_threads();
  for (int threads : {saved, 1}) {
    convkit::set_num_threads(threads);
    for (int64_t m : {3, 7, 8, 9, 13, 25}) {
      for (int64_t n : {9, 31, 32, 33, 65}) check_all_transposes("blocked_edges", {false, false, m, n, 19, 1.0f, 0.5f});
    }
    check_all_transposes("m_around_mc", {false, false, 515, 70, 260, 1.0f, 0.25f, 2, 1, 3});
    check_all_transposes("threaded_beta_0_nan_c", {false, false, 170, 190, 300, 1.0f, 0.0f, 0, 0, 5, true});
  }
  convkit::set_num_threads(saved);
}

// The transposing pack (pack_t8 on avx512): full 8-row panels of A and 32-row panels of B^T
// with k around its 8-column blocks, and ld gaps.
TEST(pack_k_tail) {
  for (int64_t k : {1, 2, 7, 8, 9, 15, 16, 17, 23, 255, 257}) {
    check_all_transposes("pack_k_tail", {false, false, 16, 64, k, 1.0f, 0.5f, 3, 5, 1});
  }
}
// The threaded blocked path: B packed in parts (row ranges of kc, or panel ranges of B^T) by
// whichever thread gets there first, A blocks packed once and shared, tasks of B-panel chunks.
// Shapes big enough to split (M*N*K >= 2^22), with k blocks whose rows do not divide into the
// parts, a ragged last NC block, several waves of A blocks, M split into per-thread blocks,
// and more threads than cores (to make the waits for a packer that is descheduled happen).
TEST(threaded_shared_packing) {
  const int saved = convkit::get_num_threads();
  for (int threads : {saved, 1, 5}) {
    convkit::set_num_threads(threads);
    check_all_transposes("shared_odd_kc", {false, false, 300, 520, 37, 1.0f, 0.5f, 1, 2, 3});
    check_all_transposes("shared_k_gt_kc", {false, false, 129, 200, 301, -1.0f, 0.0f});
    check_all_transposes("small_m_wide_n", {false, false, 64, 1000, 300, 1.0f, 0.25f, 0, 3, 0});
    check_all_transposes("small_m_wide_n_nan_c", {false, false, 9, 3000, 260, 1.0f, 0.0f, 0, 0, 2, true});
    check_gemm("n_gt_nc_threaded", {false, false, 70, 4200, 30, 1.0f, 1.0f});
    check_gemm("n_gt_nc_threaded_tb", {false, true, 70, 4200, 30, 1.0f, 0.0f, 0, 0, 0, true});
    // Fewer MC blocks than threads: M split into one smaller block per thread (shared_odd_kc
    // splits 300 rows over 2 threads, this 700 rows over 2 or 5).
    check_all_transposes("split_m_blocks", {false, false, 700, 96, 70, 1.0f, 0.5f, 2, 0, 1});
    check_gemm("a_waves", {false, false, 4200, 64, 20, 1.0f, 0.5f});
    check_gemm("a_waves_ta", {true, false, 4200, 33, 40, 2.0f, 0.0f, 0, 0, 0, true});
  }
  convkit::set_num_threads(saved);
}

// For each of 1 and all threads, m in ms, n in ns, k in {1, 17, 300} and t in {false, true}:
// f(m, n, k, t) -> c1, c2, which must hold the same bits. False at the first difference.
template <class F>
bool same_bits_over(const char* what, std::initializer_list<int64_t> ms, std::initializer_list<int64_t> ns, F f) {
  const int saved = convkit::get_num_threads();
  bool ok = true;
  for (int threads : {1, saved}) {
    convkit::set_num_threads(threads);
    for (int64_t m : ms) {
      for (int64_t n : ns) {
        for (int64_t k : {1, 17, 300}) {
          for (bool t : {false, true}) {
            std::vector<float> c1, c2;
            f(m, n, k, t, c1, c2);
            if (ok && (c1.size() != c2.size() || std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(float)) != 0)) {
              CHECK(false, "%s: m %lld n %lld k %lld transposed %d threads %d", what, (long long)m, (long long)n, (long long)k, t, threads);
              ok = false;
            }
          }
        }
      }
    }
  }
  convkit::set_num_threads(saved);
  return ok;
}

// A read in place (the plan's ukernel_rows at AVX-512 and AVX2, for n <= 128, A not transposed) against
// the same product with A prepacked (always packed panels): the same FMAs in the same order, so
// the same bits; partial row tiles, k past the k block, strided A, beta, 1 and all threads.
TEST(a_in_place_matches_packed) {
  same_bits_over("A in place vs packed", {3, 8, 13, 64, 450}, {9, 32, 33, 100, 128},
                 [](int64_t m, int64_t n, int64_t k, bool tb, std::vector<float>& c1, std::vector<float>& c2) {
                   const int64_t lda = k + 3, ldb = tb ? k : n;
                   const float alpha = n % 2 ? 1.5f : 1.0f, beta = m % 2 ? 0.5f : 0.0f;
                   const auto a = test::rand_vec(m * lda), b = test::rand_vec(tb ? n * k : k * n);
                   c1 = c2 = test::rand_vec(m * n);
                   std::vector<float> ap(convkit::sgemm_packed_a_size(m, k));
                   convkit::sgemm(false, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c1.data(), n);
                   convkit::sgemm_pack_a(false, m, k, a.data(), lda, ap.data());
                   convkit::sgemm_prepacked_a(false, tb, m, n, k, alpha, a.data(), lda, ap.data(), b.data(), ldb, beta,
                                              c2.data(), n);
                 });
}

// B read in place (ukernel_cols: m <= 32, or 64 on several threads or with k <= 768 and rows not
// 4 KB apart, as these are on 1 thread; B not transposed; n > 128, so A is packed) against B
// prepacked: the same bits; partial column tiles (masked loads), strided B, beta.
TEST(b_in_place_matches_packed) {
  same_bits_over("B in place vs packed", {3, 8, 16, 29, 32, 48, 64}, {129, 160, 1000, 3025},
                 [](int64_t m, int64_t n, int64_t k, bool ta, std::vector<float>& c1, std::vector<float>& c2) {
                   const int64_t lda = ta ? m : k, ldb = n + 5;
                   const float alpha = k % 2 ? 1.5f : 1.0f, beta = m % 2 ? 0.5f : 0.0f;
                   const auto a = test::rand_vec(m * k), b = test::rand_vec(k * ldb);
                   c1 = c2 = test::rand_vec(m * n);
                   std::vector<float> bp(convkit::sgemm_packed_b_size(n, k));
                   convkit::sgemm(ta, false, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c1.data(), n);
                   convkit::sgemm_pack_b(false, n, k, b.data(), ldb, bp.data());
                   convkit::sgemm_prepacked(ta, false, m, n, k, alpha, a.data(), lda, b.data(), ldb, bp.data(), beta,
                                            c2.data(), n);
                 });
}

// B in place starting anywhere in a cache line, its rows whole lines apart (ldb a multiple of
// 16: sgemm then gives the columns up to the first line a block of their own): the same bits as
// B prepacked, at each of the 16 float offsets, 1 and all threads.
TEST(b_in_place_any_alignment_matches_packed) {
  const int saved = convkit::get_num_threads();
  for (int threads : {1, saved}) {
    convkit::set_num_threads(threads);
    for (int64_t m : {5, 29, 32, 64}) {
      for (int64_t n : {40, 129, 1000}) {
        for (int64_t k : {17, 300}) {
          const int64_t ldb = (n + 15) / 16 * 16 + 16;
          const float alpha = k % 2 ? 1.5f : 1.0f, beta = m % 2 ? 0.5f : 0.0f;
          const auto a = test::rand_vec(m * k), b = test::rand_vec(k * ldb), c0 = test::rand_vec(m * n);
          std::vector<float> bp(convkit::sgemm_packed_b_size(n, k)), want = c0;
          convkit::sgemm_pack_b(false, n, k, b.data(), ldb, bp.data());
          convkit::sgemm_prepacked(false, false, m, n, k, alpha, a.data(), k, b.data(), ldb, bp.data(), beta,
                                   want.data(), n);
          float* store = static_cast<float*>(std::aligned_alloc(64, static_cast<size_t>(k * ldb + 16) * sizeof(float)));
          for (int64_t off = 0; off < 16; ++off) {
            std::memcpy(store + off, b.data(), static_cast<size_t>(k * ldb) * sizeof(float));
            std::vector<float> c = c0;
            convkit::sgemm(false, false, m, n, k, alpha, a.data(), k, store + off, ldb, beta, c.data(), n);
            CHECK(std::memcmp(c.data(), want.data(), c.size() * sizeof(float)) == 0,
                  "B %lld floats past a line: m %lld n %lld k %lld threads %d", (long long)off, (long long)m,
                  (long long)n, (long long)k, threads);
          }
          std::free(store);
        }
      }
    }
  }
  convkit::set_num_threads(saved);
}

// The block hook (sgemm_prepacked's epilogue point): every cell of C in exactly one block, and
// each block already final when its call comes (the values the product without a hook gives);
// small, GEMV, A in place, packed A and several k blocks, on 1 and all threads.
struct hook_record {
  const std::vector<float>* want;
  const std::vector<float>* c;
  int64_t n;
  std::vector<int> seen;
  bool final_values = true;
};

void record_block(void* ctx, int64_t i0, int64_t m, int64_t j0, int64_t n) {
  auto& r = *static_cast<hook_record*>(ctx);
  for (int64_t i = i0; i < i0 + m; ++i) {
    for (int64_t j = j0; j < j0 + n; ++j) {
      ++r.seen[static_cast<size_t>(i * r.n + j)];
      if (std::memcmp(&(*r.c)[i * r.n + j], &(*r.want)[i * r.n + j], sizeof(float)) != 0) r.final_values = false;
    }
  }
}

TEST(block_hook_covers_c_once_when_final) {
  const int saved = convkit::get_num_threads();
  for (int threads : {1, saved}) {
    convkit::set_num_threads(threads);
    for (int64_t m : {1, 2, 7, 40, 300}) {
      for (int64_t n : {5, 16, 24, 48, 200}) {
        for (int64_t k : {3, 40, 700}) {
          const auto a = test::rand_vec(m * k), b = test::rand_vec(n * k);
          std::vector<float> bp(convkit::sgemm_packed_b_size(n, k)), want(m * n), c(m * n, 0.0f);
          convkit::sgemm_pack_b(true, n, k, b.data(), k, bp.data());
          convkit::sgemm_prepacked(false, true, m, n, k, 1.0f, a.data(), k, b.data(), k, bp.data(), 0.0f, want.data(), n);
          hook_record r{&want, &c, n, std::vector<int>(m * n, 0)};
          const convkit::gemm_block_hook hook{record_block, &r};
          convkit::sgemm_prepacked(false, true, m, n, k, 1.0f, a.data(), k, b.data(), k, bp.data(), 0.0f, c.data(), n,
                                   &hook);
          bool once = true;
          for (int v : r.seen) once = once && v == 1;
          CHECK(once && r.final_values, "m %lld n %lld k %lld threads %d: every cell once %d, final %d", (long long)m,
                (long long)n, (long long)k, threads, once, r.final_values);
        }
      }
    }
  }
  convkit::set_num_threads(saved);
}

int main() { return test::run_all("gemm-test"); }
