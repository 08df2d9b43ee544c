// int8 GEMM driver (convkit/qgemm.h): quantize op(B) per column into 32-column panels and
// op(A) per tensor into u8 rows, then tiles of the plan's kernel (configs/qgemm-config.h).
// Threads: B's panels, A's rows, then blocks of rows x panels (96 rows x 8 panels: the
// block's B, 256 x kq bytes, stays in L2 while each tile's A rows, 12 x kq bytes, sit in L1).
#include "convkit/qgemm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "gemm/qgemm-internal.h"

#include "configs/qgemm-config.h"
#include "convkit/parallel.h"

namespace convkit {
namespace qgemm_detail {
namespace {

constexpr int64_t kBlockTiles = 8;  // row tiles of a task
constexpr int64_t kBlockPanels = 8; // panels of a task

}  // namespace

float scale_of(float max) { return std::isnan(max) ? max : max / 127.0f; }

// Layout of a quantized B block: the panels (kq * 32 bytes each), then the scales and the column
// sums (32 per panel each).
int64_t quantized_b_floats(int64_t n, int64_t k) {
  const int64_t kq = quads(k), panels = (n + kPanel - 1) / kPanel;
  return panels * kq * kPanel / 4 + 2 * panels * kPanel;
}

quantized_b quantized_b_at(int64_t n, int64_t k, const float* space) {
  const int64_t kq = quads(k), panels = (n + kPanel - 1) / kPanel, panel_floats = panels * kq * kPanel / 4;
  float* s = const_cast<float*>(space);  // read only through the result's use in tiles
  return {n, kq, reinterpret_cast<int8_t*>(s), s + panel_floats, reinterpret_cast<int32_t*>(s + panel_floats + panels * kPanel)};
}

quantized_b quantize_b(bool trans_b, int64_t n, int64_t k, const float* b, int64_t ldb, workspace& space_ws) {
  return quantize_b_into(trans_b, n, k, b, ldb, space_ws.get(static_cast<size_t>(quantized_b_floats(n, k))));
}

quantized_b quantize_b_into(bool trans_b, int64_t n, int64_t k, const float* b, int64_t ldb, float* space) {
  const qgemm_plan& plan = get_qgemm_plan();
  const quantized_b q = quantized_b_at(n, k, space);
  const int64_t kq = q.kq, panels = (n + kPanel - 1) / kPanel, panel_bytes = kq * kPanel;
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
          quantize(k, src, scale[jj], 0, row.data());
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

float absmax(int64_t n, const float* x) {
  const qgemm_plan& plan = get_qgemm_plan();
  const int64_t chunks = std::clamp<int64_t>(n >> 16, 1, 64);
  float part[64] = {};
  parallel_for_large(chunks, n, int64_t{1} << 18, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) part[t] = plan.absmax((t + 1) * n / chunks - t * n / chunks, x + t * n / chunks);
  });
  float mx = 0.0f;
  for (int64_t t = 0; t < chunks; ++t) mx = max_or_nan(mx, part[t]);
  return mx;
}

void quantize(int64_t n, const float* src, float s, int offset, uint8_t* dst) {
  const float q = std::isnan(s) ? 0.0f : s;
  get_qgemm_plan().quantize(n, src, &q, false, offset, dst);
}

bool epilogue_fused() { return get_qgemm_plan().fused_epilogue; }

void tiles(int64_t m, const uint8_t* a, int64_t lda, const quantized_b& b, const float* dq, float* c, int64_t ldc,
           float alpha, float beta, const float* bias, const float* res, activation act) {
  const qgemm_plan& plan = get_qgemm_plan();
  const int64_t n = b.n, kq = b.kq, panels = (n + kPanel - 1) / kPanel;
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
          plan.ukernel(kq, a + i * lda, lda, m_eff, b.panels + jp * kq * kPanel, std::min(kPanel, n - j), dq + j,
                       b.colsum128 + j, c + i * ldc + j, ldc, alpha, beta, bias != nullptr ? bias + j : nullptr,
                       res != nullptr ? res + i * ldc + j : nullptr, act);
        }
      }
    }
  });
}

}  // namespace qgemm_detail

namespace {

thread_local workspace qb_space;  // B's panels, then its scales and column sums
thread_local workspace qa_space;  // A's u8 rows

// op(A) [M,K] per tensor: its scale (NaN when flagged) and rows of kq bytes (u8 = qa + 128).
float quantize_a(bool trans_a, int64_t m, int64_t k, int64_t kq, const float* a, int64_t lda, uint8_t* rows) {
  using namespace qgemm_detail;
  const qgemm_plan& plan = get_qgemm_plan();
  // The largest |value|: op(A)'s rows are A's rows (or, transposed, its columns: A's k rows of m).
  const int64_t lines = trans_a ? k : m, len = trans_a ? m : k;
  float mx = 0.0f;
  if (lda == len) {
    mx = absmax(lines * len, a);
  } else {
    for (int64_t r = 0; r < lines; ++r) mx = max_or_nan(mx, plan.absmax(len, a + r * lda));
  }
  const float sa = scale_of(mx);
  parallel_for_large(m, m * std::max<int64_t>(k, 1), int64_t{1} << 16, [&](int64_t lo, int64_t hi) {
    std::vector<float> col(trans_a ? static_cast<size_t>(k) : 0);
    for (int64_t i = lo; i < hi; ++i) {
      const float* src = a + i * lda;
      if (trans_a) {
        for (int64_t p = 0; p < k; ++p) col[p] = a[p * lda + i];
        src = col.data();
      }
      quantize(k, src, sa, 128, rows + i * kq);
      std::memset(rows + i * kq + k, 128, static_cast<size_t>(kq - k));
    }
  });
  return sa;
}

}  // namespace

bool qgemm_native() { return get_qgemm_plan().native; }

bool qgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  using namespace qgemm_detail;
  if (k > kQgemmMaxK) return false;
  if (m <= 0 || n <= 0) return true;
  k = std::max<int64_t>(k, 0);
  const quantized_b qb = quantize_b(trans_b, n, k, b, ldb, qb_space);
  uint8_t* qa = reinterpret_cast<uint8_t*>(qa_space.get(static_cast<size_t>((m * qb.kq + 3) / 4 + 1)));
  const float sa = quantize_a(trans_a, m, k, qb.kq, a, lda, qa);
  // The dequantization scales fl(sa * sb_j): NaN for a flagged A or column.
  const int64_t cols = (n + kPanel - 1) / kPanel * kPanel;
  std::vector<float> dq(static_cast<size_t>(cols));
  for (int64_t j = 0; j < cols; ++j) dq[j] = sa * qb.scale[j];
  tiles(m, qa, qb.kq, qb, dq.data(), c, ldc, alpha, beta);
  return true;
}

}  // namespace convkit
