// SGEMM in the BLIS structure: five loops around one MRxNR micro-kernel, with A and B
// packed into cache-sized panels. Transposes and ragged edges are absorbed by the packing
// (panels are zero-padded to MR / NR); partial tiles go through a scratch tile.
#include <algorithm>
#include <atomic>
#include <cstring>

#include "convkit/gemm.h"
#include "convkit/parallel.h"
#include "gemm/gemm-config.h"
#include "util/workspace.h"

namespace convkit {
namespace {

thread_local workspace pack_a_space;  // [ceil(mc/MR) panels][kc][MR]
thread_local workspace pack_b_space;  // [ceil(nc/NR) panels][kc][NR]
thread_local workspace gemv_space;    // x [m][k] then y [m][n] of the GEMV path

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

// Rows [i0, i0+mc) x cols [p0, p0+kc) of op(A) -> panels of MR rows, zero-padded.
void pack_a(bool trans_a, const float* a, int64_t lda, int64_t i0, int64_t mc, int64_t p0,
            int64_t kc, int64_t mr, float* dst) {
  for (int64_t ir = 0; ir < mc; ir += mr, dst += kc * mr) {
    const int64_t m_eff = std::min(mr, mc - ir);
    if (!trans_a) {  // op(A)(i, p) = a[i*lda + p]: rows are contiguous in p
      if (m_eff < mr) std::fill(dst, dst + kc * mr, 0.0f);
      for (int64_t i = 0; i < m_eff; ++i) {
        const float* src = a + (i0 + ir + i) * lda + p0;
        for (int64_t p = 0; p < kc; ++p) dst[p * mr + i] = src[p];
      }
    } else {  // op(A)(i, p) = a[p*lda + i]: each k step is a contiguous run of MR rows
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = a + (p0 + p) * lda + i0 + ir;
        float* d = dst + p * mr;
        for (int64_t i = 0; i < m_eff; ++i) d[i] = src[i];
        for (int64_t i = m_eff; i < mr; ++i) d[i] = 0.0f;
      }
    }
  }
}

// Rows [p0, p0+kc) x cols [j0 + jr, ...) of op(B) for NR-panels [panel_begin, panel_end).
void pack_b(bool trans_b, const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0,
            int64_t nc, int64_t nr, int64_t panel_begin, int64_t panel_end, float* dst) {
  for (int64_t jp = panel_begin; jp < panel_end; ++jp) {
    const int64_t jr = jp * nr;
    const int64_t n_eff = std::min(nr, nc - jr);
    float* d = dst + jp * kc * nr;
    if (!trans_b) {  // op(B)(p, j) = b[p*ldb + j]
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = b + (p0 + p) * ldb + j0 + jr;
        float* dp = d + p * nr;
        for (int64_t j = 0; j < n_eff; ++j) dp[j] = src[j];
        for (int64_t j = n_eff; j < nr; ++j) dp[j] = 0.0f;
      }
    } else {  // op(B)(p, j) = b[j*ldb + p]
      if (n_eff < nr) std::fill(d, d + kc * nr, 0.0f);
      for (int64_t j = 0; j < n_eff; ++j) {
        const float* src = b + (j0 + jr + j) * ldb + p0;
        for (int64_t p = 0; p < kc; ++p) d[p * nr + j] = src[p];
      }
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

// M = 1 or 2: C[m, n] = alpha * x[m, k] . op(B) + beta * C, where x is op(A)'s rows. Bound by
// reading B once; no packing. Threads split the n columns (B's columns or B^T's rows).
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
    kernel(m, j1 - j0, k, x, trans_b ? b + j0 * ldb : b + j0, ldb, y + j0, n);
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
}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  const gemm_plan& plan = get_gemm_plan();
  const int64_t MR = plan.mr, NR = plan.nr;
  if (m <= 2) {
    sgemv_rows(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  if (n == 1) {
    sgemv_column(trans_a, trans_b, m, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  if (n <= NR / 4 || m * n * k <= 16 * 16 * 16) {
    sgemm_small(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const int64_t MC = plan.mc, KC = plan.kc, NC = plan.nc;
  // Small products lose more to waking threads than they gain: below ~160^3 (measured: 128^3
  // ran 0.9x on two threads, 256^3 1.5x) stay on one.
  const bool threaded = m * n * k >= (int64_t{1} << 22) && get_num_threads() > 1;
  const int64_t threads = threaded ? get_num_threads() : 1;

  // Loop over the n dimension (NC columns of B and C at a time).
  for (int64_t jc = 0; jc < n; jc += NC) {
    const int64_t nc = std::min(NC, n - jc);
    const int64_t n_panels = (nc + NR - 1) / NR;
    // Loop over the k dimension (KC rows of B / columns of A at a time).
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = std::min(KC, k - pc);
      const float beta_eff = pc == 0 ? beta : 1.0f;  // later k blocks accumulate
      // One packed B block, shared by all threads (packed by all of them).
      float* bp = pack_b_space.get(static_cast<size_t>(n_panels * kc * NR));
      if (threaded && n_panels * kc * NR >= 32768) {
        parallel_for(n_panels, [&](int64_t lo, int64_t hi) {
          pack_b(trans_b, b, ldb, pc, kc, jc, nc, NR, lo, hi, bp);
        });
      } else {
        pack_b(trans_b, b, ldb, pc, kc, jc, nc, NR, 0, n_panels, bp);
      }
      // Tasks: MC blocks of rows x chunks of NR panels, enough of them to keep every
      // thread busy when M alone has too few blocks. Threads take tasks from a shared
      // counter, so one thread delayed by the OS does not hold half the work.
      const int64_t m_blocks = (m + MC - 1) / MC;
      int64_t n_chunks = 1;
      if (threads > 1 && m_blocks < 4 * threads) {
        n_chunks = std::min(n_panels, (4 * threads + m_blocks - 1) / m_blocks);
      }
      const int64_t panels_per_chunk = (n_panels + n_chunks - 1) / n_chunks;
      n_chunks = (n_panels + panels_per_chunk - 1) / panels_per_chunk;
      const int64_t n_tasks = m_blocks * n_chunks;
      std::atomic<int64_t> next_task{0};
      auto macro_tasks = [&](int64_t, int64_t) {
        float* ap = pack_a_space.get(static_cast<size_t>(((MC + MR - 1) / MR) * MR * kc));
        alignas(64) float tile[16 * 64];  // scratch for partial tiles, MR*NR <= 1024
        int64_t packed_block = -1;
        for (int64_t t = next_task.fetch_add(1, std::memory_order_relaxed); t < n_tasks;
             t = next_task.fetch_add(1, std::memory_order_relaxed)) {
          const int64_t mb = t / n_chunks, chunk = t % n_chunks;
          // Loop over the m dimension (MC rows of A and C at a time).
          const int64_t ic = mb * MC;
          const int64_t mc = std::min(MC, m - ic);
          if (packed_block != mb) {
            pack_a(trans_a, a, lda, ic, mc, pc, kc, MR, ap);
            packed_block = mb;
          }
          const int64_t jp_end = std::min(n_panels, (chunk + 1) * panels_per_chunk);
          // Loop over NR-wide micro-panels of the packed B block.
          for (int64_t jp = chunk * panels_per_chunk; jp < jp_end; ++jp) {
            const int64_t jr = jp * NR;
            const int64_t n_eff = std::min(NR, nc - jr);
            const float* bpanel = bp + jp * kc * NR;
            // Loop over MR-tall micro-panels of the packed A block.
            for (int64_t ir = 0; ir < mc; ir += MR) {
              const int64_t m_eff = std::min(MR, mc - ir);
              const float* apanel = ap + ir * kc;
              float* cij = c + (ic + ir) * ldc + jc + jr;
              if (m_eff == MR && n_eff == NR) {
                plan.ukernel(kc, apanel, bpanel, cij, ldc, alpha, beta_eff);
              } else {
                plan.ukernel(kc, apanel, bpanel, tile, NR, alpha, 0.0f);
                for (int64_t i = 0; i < m_eff; ++i) {
                  float* ci = cij + i * ldc;
                  const float* ti = tile + i * NR;
                  if (beta_eff == 0.0f) {
                    for (int64_t j = 0; j < n_eff; ++j) ci[j] = ti[j];
                  } else {
                    for (int64_t j = 0; j < n_eff; ++j) ci[j] = ti[j] + beta_eff * ci[j];
                  }
                }
              }
            }
          }
        }
      };
      if (threaded) {
        parallel_for(std::min<int64_t>(threads, n_tasks), macro_tasks);
      } else {
        macro_tasks(0, 1);
      }
    }
  }
}

}  // namespace convkit
