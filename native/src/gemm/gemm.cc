// SGEMM in the BLIS structure: five loops around one MRxNR micro-kernel, with A and B
// packed into cache-sized panels. Transposes and ragged edges are absorbed by the packing
// (panels are zero-padded to MR / NR); partial tiles go through a scratch tile.
#include <algorithm>
#include <cstring>

#include "convkit/gemm.h"
#include "convkit/parallel.h"
#include "isa/config.h"
#include "util/workspace.h"

namespace convkit {
namespace {

thread_local workspace pack_a_space;  // [ceil(mc/MR) panels][kc][MR]
thread_local workspace pack_b_space;  // [ceil(nc/NR) panels][kc][NR]

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

// Small products (M <= 2, thin N, or little work): plain loops, no packing.
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

}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  const gemm_config& cfg = kernels().gemm;
  const int64_t MR = cfg.mr, NR = cfg.nr;
  if (m <= 2 || n <= NR / 4 || m * n * k <= 16 * 16 * 16) {
    sgemm_small(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  const int64_t MC = cfg.mc, KC = cfg.kc, NC = cfg.nc;
  // Small products lose more to waking threads than they gain: below ~100^3 stay on one.
  const bool threaded = m * n * k >= (int64_t{1} << 20) && get_num_threads() > 1;
  const int64_t threads = threaded ? get_num_threads() : 1;

  // Loop over the n dimension (NC columns of B and C at a time).
  for (int64_t jc = 0; jc < n; jc += NC) {
    const int64_t nc = std::min(NC, n - jc);
    const int64_t n_panels = (nc + NR - 1) / NR;
    // Loop over the k dimension (KC rows of B / columns of A at a time).
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = std::min(KC, k - pc);
      const float beta_eff = pc == 0 ? beta : 1.0f;  // later k blocks accumulate
      float* bp = pack_b_space.get(static_cast<size_t>(n_panels * kc * NR));
      if (threaded && n_panels * kc * NR >= 32768) {
        parallel_for(n_panels, [&](int64_t lo, int64_t hi) {
          pack_b(trans_b, b, ldb, pc, kc, jc, nc, NR, lo, hi, bp);
        });
      } else {
        pack_b(trans_b, b, ldb, pc, kc, jc, nc, NR, 0, n_panels, bp);
      }
      // Tasks: MC blocks of rows x chunks of NR panels, enough of them to keep every
      // thread busy when M alone has too few blocks.
      const int64_t m_blocks = (m + MC - 1) / MC;
      int64_t n_chunks = 1;
      if (threads > 1 && m_blocks < 4 * threads) {
        n_chunks = std::min(n_panels, (4 * threads + m_blocks - 1) / m_blocks);
      }
      const int64_t panels_per_chunk = (n_panels + n_chunks - 1) / n_chunks;
      n_chunks = (n_panels + panels_per_chunk - 1) / panels_per_chunk;
      auto macro_tasks = [&](int64_t t_begin, int64_t t_end) {
        float* ap = pack_a_space.get(static_cast<size_t>(((MC + MR - 1) / MR) * MR * kc));
        alignas(64) float tile[16 * 64];  // scratch for partial tiles, MR*NR <= 1024
        int64_t packed_block = -1;
        for (int64_t t = t_begin; t < t_end; ++t) {
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
                cfg.ukernel(kc, apanel, bpanel, cij, ldc, alpha, beta_eff);
              } else {
                cfg.ukernel(kc, apanel, bpanel, tile, NR, alpha, 0.0f);
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
        parallel_for(m_blocks * n_chunks, macro_tasks);
      } else {
        macro_tasks(0, m_blocks * n_chunks);
      }
    }
  }
}

}  // namespace convkit
