// The products sgemm does not block (gemm-small.h): plain loops for tiny ones and GEMVs on
// the config's kernels for one or two rows, or one column.
#include "gemm/gemm-small.h"

#include <algorithm>

#include "configs/gemm-config.h"
#include "convkit/parallel.h"
#include "util/workspace.h"

namespace convkit {
namespace {

thread_local workspace gemv_space;  // x [m][k] then y [m][n] of the GEMV paths

}  // namespace

// C[M,N] *= beta (beta == 0 writes zeros without reading C).
void scale_c(int64_t m, int64_t n, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    if (beta == 0.0f) {
      std::fill(ci, ci + n, 0.0f);
    } else if (beta != 1.0f) {
      for (int64_t j = 0; j < n; ++j) ci[j] *= beta;
    }
  }
}

// Tiny products and thin N (2..NR/4 columns): plain loops, no packing.
void sgemm_small(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                 const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                 int64_t ldc) {
  auto rows = [&](int64_t i_begin, int64_t i_end) {
    for (int64_t i = i_begin; i < i_end; ++i) {
      float* ci = c + i * ldc;
      if (!trans_b) {  // C row i += alpha * A(i, p) * B row p
        scale_c(1, n, beta, ci, ldc);
        for (int64_t p = 0; p < k; ++p) {
          const float s = alpha * (trans_a ? a[p * lda + i] : a[i * lda + p]);
          const float* bp = b + p * ldb;
          for (int64_t j = 0; j < n; ++j) ci[j] += s * bp[j];
        }
      } else {  // C(i, j) = alpha * dot(A row i, B row j) + beta * C(i, j)
        for (int64_t j = 0; j < n; ++j) {
          const float* bj = b + j * ldb;
          float dot = 0.0f;
          if (!trans_a) {
            const float* ai = a + i * lda;
            for (int64_t p = 0; p < k; ++p) dot += ai[p] * bj[p];
          } else {
            for (int64_t p = 0; p < k; ++p) dot += a[p * lda + i] * bj[p];
          }
          ci[j] = beta == 0.0f ? alpha * dot : alpha * dot + beta * ci[j];
        }
      }
    }
  };
  if (m * n * k >= (int64_t{1} << 21) && m > 1) {
    parallel_for(m, rows);
  } else {
    rows(0, m);
  }
}


// B holds at least this many bytes before a GEMV is split over threads: below it the wake-up
// (a few microseconds) costs more than the second core's bandwidth gives.
constexpr int64_t kGemvThreadBytes = int64_t{1} << 20;

// M <= 4: C[m, n] = alpha * x[m, k] . op(B) + beta * C, where x is op(A)'s rows. Bound by
// reading B once per pair of rows (the kernels take 1 or 2); no packing. Threads split the n
// columns (B's columns or B^T's rows).
void sgemv_rows(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                int64_t ldc) {
  const gemm_plan& plan = get_gemm_plan();
  float* x = gemv_space.get(static_cast<size_t>(m * k + m * n));  // x [m][k], y [m][n]
  float* y = x + m * k;
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t p = 0; p < k; ++p) x[r * k + p] = trans_a ? a[p * lda + r] : a[r * lda + p];
  }
  const f32_gemv_ukernel_fn kernel = trans_b ? plan.gemv_nt : plan.gemv_nn;
  auto columns = [&](int64_t j0, int64_t j1) {
    for (int64_t r0 = 0; r0 < m; r0 += 2) {
      kernel(std::min<int64_t>(2, m - r0), j1 - j0, k, x + r0 * k, trans_b ? b + j0 * ldb : b + j0, ldb,
             y + r0 * n + j0, n);
    }
    for (int64_t r = 0; r < m; ++r) {
      float* cr = c + r * ldc;
      const float* yr = y + r * n;
      if (beta == 0.0f) {
        for (int64_t j = j0; j < j1; ++j) cr[j] = alpha * yr[j];
      } else {
        for (int64_t j = j0; j < j1; ++j) cr[j] = alpha * yr[j] + beta * cr[j];
      }
    }
  };
  const int threads = get_num_threads();
  if (threads > 1 && 4 * n * k >= kGemvThreadBytes && n >= 64) {
    // Chunks of 64 columns (whole cache lines of B rows), one contiguous range per thread.
    const int64_t chunks = (n + 63) / 64;
    parallel_for(std::min<int64_t>(threads, chunks), [&](int64_t t0, int64_t t1) {
      const int64_t nt = std::min<int64_t>(threads, chunks);
      const int64_t c0 = chunks * t0 / nt, c1 = chunks * t1 / nt;
      columns(c0 * 64, std::min(n, c1 * 64));
    });
  } else {
    columns(0, n);
  }
}

// N = 1: C[m, 1] = alpha * op(A)[m, k] . b[k] + beta * C, a GEMV with A as the matrix:
// A [m, k] gives dot products (the nt kernel), A^T [k, m] gives row streaming (nn).
void sgemv_column(bool trans_a, bool trans_b, int64_t m, int64_t k, float alpha, const float* a,
                  int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const gemm_plan& plan = get_gemm_plan();
  float* x = gemv_space.get(static_cast<size_t>(k + m));  // x = op(B)[:, 0], y [m]
  float* y = x + k;
  for (int64_t p = 0; p < k; ++p) x[p] = trans_b ? b[p] : b[p * ldb];
  const f32_gemv_ukernel_fn kernel = trans_a ? plan.gemv_nn : plan.gemv_nt;
  auto rows = [&](int64_t i0, int64_t i1) {
    kernel(1, i1 - i0, k, x, trans_a ? a + i0 : a + i0 * lda, lda, y + i0, m);
    for (int64_t i = i0; i < i1; ++i) {
      c[i * ldc] = beta == 0.0f ? alpha * y[i] : alpha * y[i] + beta * c[i * ldc];
    }
  };
  const int threads = get_num_threads();
  if (threads > 1 && 4 * m * k >= kGemvThreadBytes && m >= 64) {
    const int64_t chunks = (m + 63) / 64;
    const int64_t nt = std::min<int64_t>(threads, chunks);
    parallel_for(nt, [&](int64_t t0, int64_t t1) {
      rows(chunks * t0 / nt * 64, std::min(m, chunks * t1 / nt * 64));
    });
  } else {
    rows(0, m);
  }
}

}  // namespace convkit
