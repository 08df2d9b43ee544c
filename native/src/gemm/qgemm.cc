// int8 GEMM driver (convkit/qgemm.h): quantize op(B) per column into 32-column panels and
// op(A) per tensor into u8 rows, then tiles of the plan's kernel (configs/qgemm-config.h).
// Threads: B's panels, A's rows, then blocks of rows x panels (96 rows x 8 panels: the
// block's B, 256 x kq bytes, stays in L2 while each tile's A rows, 12 x kq bytes, sit in L1).
#include "convkit/qgemm.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "configs/qgemm-config.h"
#include "convkit/parallel.h"
#include "util/workspace.h"

namespace convkit {
namespace {

constexpr int64_t kPanel = 32;      // columns of a B panel (every kernel's width)
constexpr int64_t kBlockTiles = 8;  // row tiles of a task
constexpr int64_t kBlockPanels = 8; // panels of a task

// fl(max / 127), or NaN for a NaN max (a NaN or infinity in the operand).
float scale_of(float max) { return std::isnan(max) ? max : max / 127.0f; }

thread_local workspace qb_space;  // B's panels, then its scales and column sums
thread_local workspace qa_space;  // A's u8 rows

struct quantized_b {
  int8_t* panels;      // panels * kq * 32 bytes
  float* scale;        // per column (panels * 32; 0 past n): fl(sb_j), NaN for a flagged column
  int32_t* colsum128;  // per column (0 past n)
};

// op(B) [K,N] per column j: stored [N,K] (trans_b: column j is row j) or [K,N] (read by rows).
quantized_b quantize_b(const qgemm_plan& plan, bool trans_b, int64_t n, int64_t k, int64_t kq, const float* b,
                       int64_t ldb) {
  const int64_t panels = (n + kPanel - 1) / kPanel, panel_bytes = kq * kPanel;
  const int64_t panel_floats = (panels * panel_bytes + 3) / 4;
  float* space = qb_space.get(static_cast<size_t>(panel_floats + 2 * panels * kPanel));
  quantized_b q{reinterpret_cast<int8_t*>(space), space + panel_floats,
                reinterpret_cast<int32_t*>(space + panel_floats + panels * kPanel)};
  parallel_for_large(panels, n * std::max<int64_t>(k, 1), int64_t{1} << 16, [&](int64_t lo, int64_t hi) {
    std::vector<uint8_t> row(static_cast<size_t>(trans_b ? kq : 0));
    float qs[kPanel];  // the quantizing scales: 0 for a flagged column
    for (int64_t jp = lo; jp < hi; ++jp) {
      const int64_t j0 = jp * kPanel, cols = std::min(kPanel, n - j0);
      int8_t* panel = q.panels + jp * panel_bytes;
      float* scale = q.scale + j0;
      int32_t* colsum = q.colsum128 + j0;
      if (trans_b) {
        std::memset(panel, 0, static_cast<size_t>(panel_bytes));
        for (int64_t jj = 0; jj < cols; ++jj) {
          const float* src = b + (j0 + jj) * ldb;
          scale[jj] = scale_of(plan.absmax(k, src));
          const float s = std::isnan(scale[jj]) ? 0.0f : scale[jj];
          plan.quantize(k, src, &s, false, 0, row.data());
          std::memset(row.data() + k, 0, static_cast<size_t>(kq - k));
          int32_t sum = 0;
          for (int64_t p = 0; p < k; ++p) sum += static_cast<int8_t>(row[p]);
          for (int64_t p = 0; p < kq; p += 4) std::memcpy(panel + p * kPanel + jj * 4, row.data() + p, 4);
          colsum[jj] = 128 * sum;
        }
        for (int64_t jj = cols; jj < kPanel; ++jj) scale[jj] = 0.0f, colsum[jj] = 0;
      } else {
        float mx[kPanel];
        plan.absmax_cols(k, cols, b + j0, ldb, mx);
        for (int64_t jj = 0; jj < kPanel; ++jj) {
          scale[jj] = jj < cols ? scale_of(mx[jj]) : 0.0f;
          qs[jj] = std::isnan(scale[jj]) ? 0.0f : scale[jj];
        }
        plan.pack_panel(k, cols, b + j0, ldb, qs, panel, colsum);
      }
    }
  });
  return q;
}

// op(A) [M,K] per tensor: its scale (NaN when flagged) and rows of kq bytes (u8 = qa + 128).
float quantize_a(const qgemm_plan& plan, bool trans_a, int64_t m, int64_t k, int64_t kq, const float* a, int64_t lda,
                 uint8_t* rows) {
  // The largest |value|: op(A)'s rows are A's rows (or, transposed, its columns: A's k rows of m).
  const int64_t lines = trans_a ? k : m, len = trans_a ? m : k;
  const int64_t chunks = std::min<int64_t>(lines, 64);
  float part[64] = {};
  parallel_for_large(chunks, lines * len, int64_t{1} << 18, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      float mx = 0.0f;
      for (int64_t r = t * lines / chunks; r < (t + 1) * lines / chunks; ++r) {
        const float v = plan.absmax(len, a + r * lda);
        mx = std::isnan(v) || std::isnan(mx) ? v + mx : std::max(mx, v);
      }
      part[t] = mx;
    }
  });
  float mx = 0.0f;
  for (int64_t t = 0; t < chunks; ++t) mx = std::isnan(part[t]) || std::isnan(mx) ? part[t] + mx : std::max(mx, part[t]);
  const float sa = scale_of(mx);
  const float s = std::isnan(sa) ? 0.0f : sa;
  parallel_for_large(m, m * std::max<int64_t>(k, 1), int64_t{1} << 16, [&](int64_t lo, int64_t hi) {
    std::vector<float> col(trans_a ? static_cast<size_t>(k) : 0);
    for (int64_t i = lo; i < hi; ++i) {
      const float* src = a + i * lda;
      if (trans_a) {
        for (int64_t p = 0; p < k; ++p) col[p] = a[p * lda + i];
        src = col.data();
      }
      plan.quantize(k, src, &s, false, 128, rows + i * kq);
      std::memset(rows + i * kq + k, 128, static_cast<size_t>(kq - k));
    }
  });
  return sa;
}

}  // namespace

bool qgemm_native() { return get_qgemm_plan().native; }

bool qgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (k > kQgemmMaxK) return false;
  if (m <= 0 || n <= 0) return true;
  const qgemm_plan& plan = get_qgemm_plan();
  const int64_t kq = (std::max<int64_t>(k, 0) + 3) / 4 * 4;
  k = std::max<int64_t>(k, 0);
  const quantized_b qb = quantize_b(plan, trans_b, n, k, kq, b, ldb);
  uint8_t* qa = reinterpret_cast<uint8_t*>(qa_space.get(static_cast<size_t>((m * kq + 3) / 4 + 1)));
  const float sa = quantize_a(plan, trans_a, m, k, kq, a, lda, qa);
  // The dequantization scales fl(sa * sb_j): NaN for a flagged A or column.
  const int64_t panels = (n + kPanel - 1) / kPanel;
  std::vector<float> scale(static_cast<size_t>(panels * kPanel));
  for (int64_t j = 0; j < panels * kPanel; ++j) scale[j] = sa * qb.scale[j];
  const int64_t mr = plan.mr, row_blocks = (m + mr * kBlockTiles - 1) / (mr * kBlockTiles);
  const int64_t groups = (panels + kBlockPanels - 1) / kBlockPanels;
  parallel_for_large(row_blocks * groups, m * n * std::max<int64_t>(kq, 1), int64_t{1} << 20, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t i0 = t / groups * mr * kBlockTiles, i1 = std::min(m, i0 + mr * kBlockTiles);
      const int64_t p0 = t % groups * kBlockPanels, p1 = std::min(panels, p0 + kBlockPanels);
      for (int64_t i = i0; i < i1; i += mr) {
        const int64_t m_eff = std::min(mr, i1 - i);
        for (int64_t jp = p0; jp < p1; ++jp) {
          const int64_t j = jp * kPanel;
          plan.ukernel(kq, qa + i * kq, kq, m_eff, qb.panels + jp * kq * kPanel, std::min(kPanel, n - j),
                       scale.data() + j, qb.colsum128 + j, c + i * ldc + j, ldc, alpha, beta);
        }
      }
    }
  });
  return true;
}

}  // namespace convkit
