// SGEMM in the BLIS structure: five loops around one MRxNR micro-kernel, with A and B
// packed into cache-sized panels. Transposes and ragged edges are absorbed by the packing
// (panels are zero-padded to MR / NR); partial tiles go through a scratch tile.
// Threads: one parallel region per product. The threads share each packed B block and each
// packed A block (packed once, in parts, by whichever threads need them first), own fixed
// C regions across the k blocks and take over each other's tasks when they run out; per-piece
// flags replace the barriers, so no thread waits for a k block it does not need.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "convkit/gemm.h"
#include "convkit/parallel.h"
#include "configs/gemm-config.h"
#include "gemm/gemm-small.h"
#include "parallel/pack-once.h"
#include "parallel/task-ranges.h"
#include "util/workspace.h"

namespace convkit {
namespace {

thread_local workspace pack_a_space;  // [slots][wave of A blocks][ceil(mc/MR) panels][kc][MR]
thread_local workspace pack_b_space;  // [slots][ceil(nc/NR) panels][kc][NR]

// Tasks per thread and k block, at least (while B chunks can shrink): short tasks let the
// threads even out their shares when one of them is slowed down.
constexpr int64_t kTasksPerThread = 8;
// A blocks packed per wave (bounds the A workspace at kMaxABlocks * mc * kc floats).
constexpr int64_t kMaxABlocks = 16;
constexpr int64_t kDirectAMaxN = 128;  // widest B (4 NR panels at AVX-512) that reads A in place
constexpr int64_t kDirectBMaxM = 32;   // tallest A (4 MR panels at AVX-512) that reads B in place
constexpr int64_t kDirectBMaxK = 768;  // longest K of a twice as tall A that reads B in place on 1 thread
constexpr int64_t kFlatMaxM = 256;     // tallest A whose product runs in one k block
constexpr int64_t kFlatMaxK = 2048;    // and deepest
constexpr int64_t kFlatMaxB = int64_t{1} << 21;  // and largest B (floats)
// Floats between the packed B panels of a block (one line): a panel of kc x NR floats is a
// multiple of 4 KB for the usual kc (256 x 16 x 4 B = 16 KB at AVX2), so pack_b's writes of
// one B row, a line into each panel, all fell into one L1 set and a few L2 sets, and the
// lines were evicted before the kernel read them (pack_b took 22% of a 64 x 3136 x 256
// product at AVX2). Measured 1 thread, packed / padded: AVX2 64 x 3136 x 256 1.30-1.33 ->
// 1.09-1.11 ms, 64 x 1024 x 1024 1.66 -> 1.41; AVX-512 64 x 4096 x 1024 (fc_b64) 3.44 ->
// 3.02, 128 x 3136 x 64 0.276 -> 0.254; squares and 2 threads even.
constexpr int64_t kBPanelPad = 16;
// The smallest B read in place (floats, 1 MB) whose columns start on a cache line (see head).
constexpr int64_t kHeadMinB = int64_t{1} << 18;

// The shared packed A and B are packed in pieces, each once per k block, through the hand-off
// of parallel/pack-once.h (claim / wait_packed / pack_once).

// Rows [i0, i0+mc) x cols [p0, p0+kc) of op(A) -> panels of MR rows [panel][kc][MR],
// zero-padded.
// pack_t8 (when the ISA has one) transposes full 8-row panels of A [m, k] in registers.
// Part `part` of `parts`: a range of the ceil(mc/MR) panels.
void pack_a(bool trans_a, const float* a, int64_t lda, int64_t i0, int64_t mc, int64_t p0,
            int64_t kc, int64_t mr, int64_t part, int64_t parts, f32_pack_t8_fn pack_t8,
            float* dst) {
  const int64_t n_panels = (mc + mr - 1) / mr;
  const int64_t ir_end = std::min(mc, n_panels * (part + 1) / parts * mr);
  dst += n_panels * part / parts * kc * mr;
  for (int64_t ir = n_panels * part / parts * mr; ir < ir_end; ir += mr, dst += kc * mr) {
    const int64_t m_eff = std::min(mr, mc - ir);
    if (!trans_a) {  // op(A)(i, p) = a[i*lda + p]: rows are contiguous in p
      const float* src = a + (i0 + ir) * lda + p0;
      if (pack_t8 && mr == 8 && m_eff == 8) {
        pack_t8(kc, src, lda, dst, 8);
        continue;
      }
      if (m_eff < mr) std::fill(dst, dst + kc * mr, 0.0f);
      for (int64_t i = 0; i < m_eff; ++i) {
        for (int64_t p = 0; p < kc; ++p) dst[p * mr + i] = src[i * lda + p];
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

// Part `part` of `parts` of the packed B block: rows [p0, p0+kc) x cols [j0, j0+nc) of op(B)
// as ceil(nc/NR) panels [kc][NR], zero-padded, panel_stride floats apart (kc * NR and the
// block's pad, kBPanelPad). For B [k, n] a part is a range of the kc
// rows, each row read along its whole length (one sequential stream per row, as DRAM and the
// prefetchers like; packing panel by panel instead ran 2x slower on 16x2048x2048); for
// B^T [n, k] a part is a range of panels, each of whose rows is contiguous in p.
void pack_b(bool trans_b, const float* b, int64_t ldb, int64_t p0, int64_t kc, int64_t j0,
            int64_t nc, int64_t nr, int64_t part, int64_t parts, f32_pack_t8_fn pack_t8,
            float* dst, int64_t panel_stride) {
  const int64_t n_panels = (nc + nr - 1) / nr;
  if (!trans_b) {  // op(B)(p, j) = b[p*ldb + j]
    const int64_t full_end = nc / nr * nr;  // end of the full panels
    for (int64_t p = kc * part / parts; p < kc * (part + 1) / parts; ++p) {
      const float* src = b + (p0 + p) * ldb + j0;
      for (int64_t jr = 0; jr < full_end; jr += nr) {
        float* dp = dst + (jr / nr) * panel_stride + p * nr;
        for (int64_t j = 0; j < nr; ++j) dp[j] = src[jr + j];
      }
      if (full_end < nc) {  // the last panel is narrower than NR
        float* dp = dst + (full_end / nr) * panel_stride + p * nr;
        const int64_t n_eff = nc - full_end;
        for (int64_t j = 0; j < n_eff; ++j) dp[j] = src[full_end + j];
        for (int64_t j = n_eff; j < nr; ++j) dp[j] = 0.0f;
      }
    }
    return;
  }
  // op(B)(p, j) = b[j*ldb + p]
  for (int64_t jp = n_panels * part / parts; jp < n_panels * (part + 1) / parts; ++jp) {
    const int64_t jr = jp * nr;
    const int64_t n_eff = std::min(nr, nc - jr);
    float* d = dst + jp * panel_stride;
    const float* src = b + (j0 + jr) * ldb + p0;
    if (pack_t8 && n_eff == nr && nr % 8 == 0) {
      for (int64_t g = 0; g < nr; g += 8) pack_t8(kc, src + g * ldb, ldb, d + g, nr);
      continue;
    }
    if (n_eff < nr) std::fill(d, d + kc * nr, 0.0f);
    for (int64_t j = 0; j < n_eff; ++j) {
      for (int64_t p = 0; p < kc; ++p) d[p * nr + j] = src[j * ldb + p];
    }
  }
}

// ---- the BLIS loops (Van Zee & van de Geijn 2015) -----------------------------------------

// One block of loops 5, 4 and 3: columns [jc, jc + nc) of B and C (n_panels NR panels), rows
// [pc, pc + kc) of B (the k block; q numbers the (jc, pc) pairs, each with its packed B), and
// a wave of wave_blocks MC-row blocks of A and C from block mb0. Its tasks, run by the
// scheduler in sgemm, are (A block, chunk of per_chunk NR panels) pairs, n_chunks chunks.
// jb numbers the column blocks (jc).
struct gemm_block {
  int64_t jc, jb, nc, n_panels, pc, kc, q;
  int64_t mb0, wave_blocks, per_chunk, n_chunks;
};

// Loop 5 over n (NC columns: a packed B block's width, L3), loop 4 over k (KC: the depth of
// the packed blocks, L1 / L2), loop 3 over m (MC rows: a packed A block, L2) in waves of
// `wave` blocks; in that order. Chunks of NR panels: all of a block's panels in one, halved
// while the threads would get fewer than kTasksPerThread tasks each. head > 0: columns
// [0, head) are a block of their own, and the NC blocks start at column head.
std::vector<gemm_block> loops_5_4_3(int64_t n, int64_t k, int64_t NC, int64_t KC, int64_t NR,
                                    int64_t m_blocks, int64_t wave, int64_t threads, int64_t head,
                                    int64_t* n_q, int64_t* max_chunks) {
  std::vector<gemm_block> blocks;
  int64_t jb = 0, nc = 0;
  for (int64_t jc = 0; jc < n; jc += nc, ++jb) {  // loop 5
    nc = jc == 0 && head > 0 ? head : std::min(NC, n - jc);
    const int64_t n_panels = (nc + NR - 1) / NR;
    int64_t per_chunk = n_panels;
    while (threads > 1 && per_chunk > 1 &&
           m_blocks * ((n_panels + per_chunk - 1) / per_chunk) < kTasksPerThread * threads) {
      per_chunk = (per_chunk + 1) / 2;
    }
    const int64_t n_chunks = (n_panels + per_chunk - 1) / per_chunk;
    *max_chunks = std::max(*max_chunks, n_chunks);
    for (int64_t pc = 0; pc < k; pc += KC, ++*n_q) {  // loop 4
      for (int64_t mb0 = 0; mb0 < m_blocks; mb0 += wave) {  // loop 3, a wave at a time
        const int64_t wave_blocks = std::min(wave, m_blocks - mb0);
        blocks.push_back({jc, jb, nc, n_panels, pc, std::min(KC, k - pc), *n_q, mb0, wave_blocks,
                          per_chunk, n_chunks});
      }
    }
  }
  return blocks;
}

// Loop 2 over the NR panels [jp_begin, jp_end) of a packed B block (kc x nc; panel jp at
// bpk + jp * b_panel_stride) and loop 1 over the MR panels (at apb + i * a_panel_stride) of
// the MR panels of a packed A block (mc x kc) around the micro-kernel: C[mc, nc] (row stride
// ldc) = alpha * A.B + beta * C. Partial tiles go through `tile` (MR x NR floats).
// A in place (lda > 0): apb is the block's first row of A itself (k offset applied), row
// stride lda, read by plan.ukernel_rows. B in place (ldb > 0): bpk is the block's first row
// of B itself (k and column offsets applied), row stride ldb, read by plan.ukernel_cols.
// epi: null, or this is the last k block and epi (its bias and res at the block's origin, as c)
// finishes each tile: full ones in the finishing kernel where the ISA has one, the others by
// epi->rows on the panel's rows once loop 1 has stored them.
void loops_2_1(const gemm_plan& plan, int64_t mc, int64_t nc, int64_t kc, int64_t jp_begin,
               int64_t jp_end, const float* apb, int64_t a_panel_stride, int64_t lda, const float* bpk,
               int64_t b_panel_stride, int64_t ldb, float alpha, float beta, float* c, int64_t ldc, float* tile,
               const gemm_epilogue* epi) {
  const int64_t MR = plan.mr, NR = plan.nr;
  // The epilogue of C[ir.., jr..] (m x n) by rows, after its tile is stored.
  auto finish_rows = [&](int64_t ir, int64_t jr, int64_t m, int64_t n) {
    epi->rows(c + ir * ldc + jr, m, n, ldc, epi->bias != nullptr ? epi->bias + jr : nullptr, false,
              epi->res != nullptr ? epi->res + ir * ldc + jr : nullptr, epi->act);
  };
  // Panel jp's column offset, width and B panel.
  auto panel = [&](int64_t jp, int64_t& jr, int64_t& n_eff, const float*& bpanel) {
    jr = jp * NR;
    n_eff = std::min(NR, nc - jr);
    bpanel = ldb > 0 ? bpk + jr : bpk + jp * b_panel_stride;
  };
  // A in place: the edge kernel takes partial tiles, and a panel at most half full whole, its
  // rows twice MR at a time.
  const bool edge = lda > 0 && plan.ukernel_edge != nullptr;
  // The edge kernel finishes its tiles itself (epi's bias, residual and activation in
  // registers: a pass over the panel's rows afterwards took 17% of a 32 -> 16 channel 1x1 conv).
  auto edge_tile = [&](int64_t jp, int64_t ir, int64_t m_eff) {
    int64_t jr, n_eff;
    const float* bpanel;
    panel(jp, jr, n_eff, bpanel);
    const bool fin = epi != nullptr;
    plan.ukernel_edge(kc, apb + ir * lda, lda, m_eff, bpanel, n_eff, c + ir * ldc + jr, ldc, alpha, beta,
                      fin && epi->bias != nullptr ? epi->bias + jr : nullptr,
                      fin && epi->res != nullptr ? epi->res + ir * ldc + jr : nullptr,
                      fin ? epi->act : activation::none);
  };
  auto half_empty = [&](int64_t jp) { return edge && 2 * std::min(NR, nc - jp * NR) <= NR; };
  // Loop 1's body: the tile at rows ir of panel jp.
  auto tile_at = [&](int64_t jp, int64_t ir) {
    int64_t jr, n_eff;
    const float* bpanel;
    panel(jp, jr, n_eff, bpanel);
    const int64_t m_eff = std::min(MR, mc - ir);
    float* cij = c + ir * ldc + jr;
    const bool full = m_eff == MR && n_eff == NR;
    float* dst = full ? cij : tile;
    if (full && epi != nullptr && ldb == 0 && plan.ukernel_finish != nullptr) {
      const float* bias = epi->bias != nullptr ? epi->bias + jr : nullptr;
      const float* res = epi->res != nullptr ? epi->res + ir * ldc + jr : nullptr;
      if (lda > 0) {
        plan.ukernel_finish(kc, apb + ir * lda, lda, bpanel, cij, ldc, alpha, beta, bias, res, epi->act);
      } else {
        plan.ukernel_finish(kc, apb + ir / MR * a_panel_stride, 0, bpanel, cij, ldc, alpha, beta, bias, res, epi->act);
      }
      return;
    }
    if (!full && edge) {
      edge_tile(jp, ir, m_eff);
      return;
    }
    if (ldb > 0) {
      plan.ukernel_cols(kc, apb + ir / MR * a_panel_stride, bpanel, ldb, n_eff, dst, full ? ldc : NR, alpha,
                        full ? beta : 0.0f);
    } else if (lda > 0) {
      plan.ukernel_rows(kc, apb + ir * lda, lda, m_eff, bpanel, dst, full ? ldc : NR, alpha, full ? beta : 0.0f);
    } else {
      plan.ukernel(kc, apb + ir / MR * a_panel_stride, bpanel, dst, full ? ldc : NR, alpha, full ? beta : 0.0f);
    }
    if (!full) store_partial_tile(m_eff, n_eff, tile, NR, beta, cij, ldc);
  };
  // After loop 1 over panel jp: a half-empty panel on the edge kernel, then the rows of the
  // panel the finishing kernels did not take (all of a partial panel, or where the ISA has no
  // such kernel; a full panel's last partial tile), unless the edge kernel took the partial
  // tiles (an ISA with one finishes full tiles too): one call, mc x n_eff floats still in cache
  // (per tile, the calls cost more than the arithmetic: EfficientNet's 16-channel projections
  // ran 25% slower).
  auto panel_done = [&](int64_t jp) {
    if (half_empty(jp)) {
      for (int64_t ir = 0; ir < mc; ir += 2 * MR) edge_tile(jp, ir, std::min(2 * MR, mc - ir));
      return;
    }
    if (epi != nullptr && !edge) {
      const int64_t jr = jp * NR, n_eff = std::min(NR, nc - jr);
      const bool in_kernel = n_eff == NR && ldb == 0 && plan.ukernel_finish != nullptr;
      const int64_t r0 = in_kernel ? mc / MR * MR : 0;
      if (r0 < mc) finish_rows(r0, jr, mc - r0, n_eff);
    }
  };
  // A shallow product whose B panels all fit in an eighth of L2 (a 1x1 conv with few input
  // channels): each row of tiles across all the panels before the next, so each row of C (and
  // of the residual) is written (read) whole at once instead of an NR-wide strip per panel
  // pass (ResNet-50's 56x56 64 -> 256 1x1 conv with its residual, batch 4: 2.66-3.55 ms ->
  // 2.43-2.60; batch 1 0.62-0.66 -> 0.56). Same tiles, same bits.
  const bool rows_first = ldb == 0 && jp_end - jp_begin > 1 &&
                          kc * (jp_end - jp_begin) * NR * static_cast<int64_t>(sizeof(float)) <= plan.caches.l2 / 8;
  if (rows_first) {
    for (int64_t ir = 0; ir < mc; ir += MR) {  // loop 1
      for (int64_t jp = jp_begin; jp < jp_end; ++jp) {  // loop 2
        if (!half_empty(jp)) tile_at(jp, ir);
      }
    }
    for (int64_t jp = jp_begin; jp < jp_end; ++jp) panel_done(jp);
    return;
  }
  for (int64_t jp = jp_begin; jp < jp_end; ++jp) {  // loop 2
    if (!half_empty(jp)) {
      for (int64_t ir = 0; ir < mc; ir += MR) tile_at(jp, ir);  // loop 1
    }
    panel_done(jp);
  }
}
// sgemm and sgemm_prepacked: apre, bpre (or null) are A, B prepacked as full-K panels (gemm.h).
void sgemm_impl(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                const float* a, int64_t lda, const float* apre, const float* b, int64_t ldb,
                const float* bpre, float beta, float* c, int64_t ldc, const gemm_block_hook* hook,
                const gemm_epilogue* epi) {
  if (m <= 0 || n <= 0) return;
  // The paths below that do not finish C by blocks or tiles: the hook or epilogue once, on all of it.
  auto whole = [&] {
    if (hook != nullptr) hook->fn(hook->ctx, 0, m, 0, n);
    if (epi != nullptr) epi->rows(c, m, n, ldc, epi->bias, false, epi->res, epi->act);
  };
  if (k <= 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc);
    return whole();
  }
  const gemm_plan& plan = get_gemm_plan();
  const int64_t MR = plan.mr, NR = plan.nr;
  // Up to 4 rows against B^T (a classifier's Linear at batch 3 or 4): B read once per pair of
  // rows beats packing it (1000 x 2048, 4 rows, 1 thread: 0.75-0.98 ms packed, 0.29 read
  // twice). The choice does not depend on B's form (prepacked gives sgemm's bits).
  if (m <= 2 || (m <= 4 && trans_b)) {
    sgemv_rows(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return whole();
  }
  if (n == 1) {
    sgemv_column(trans_a, trans_b, m, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return whole();
  }
  if (n <= NR / 4 || m * n * k <= 16 * 16 * 16) {
    sgemm_small(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return whole();
  }
  const bool flat = sgemm_one_k_block(m, n, k);
  const int64_t KC = flat ? k : plan.kc, NC = plan.nc;
  const bool threaded = sgemm_splits_over_threads(m, n, k) && get_num_threads() > 1;
  const int64_t threads = threaded ? get_num_threads() : 1;
  // Fewer MC blocks than threads (but at least 128 rows each): smaller blocks, one per thread,
  // so each thread packs and reads its own A rows (measured 256^3 on 2 threads: 0.122 ms
  // against 0.137 splitting only the B panels). Thinner M keeps the split over B panels (a
  // flat product too: each core then reads half of B, which in a model comes from memory; its
  // rows split between the threads ran 0.057 ms on a 7x7 960 -> 160 1x1 conv with the
  // weights evicted, against 0.050).
  int64_t MC = plan.mc;
  if (threads > 1 && m < MC * threads && m >= 128 * threads) {
    MC = ((m + threads - 1) / threads + MR - 1) / MR * MR;
  }
  const int64_t MCP = (MC + MR - 1) / MR * MR;  // rows of one packed A block
  const int64_t m_blocks = (m + MC - 1) / MC;
  const int64_t wave = std::min(m_blocks, kMaxABlocks);
  // The packed B block and each A block are packed in parts, so that threads needing the
  // same one split the packing instead of waiting for one packer.
  const int64_t b_parts = threads > 1 ? 2 * threads : 1;
  const int64_t a_parts = threads > 1 ? std::min<int64_t>(threads, (MC + MR - 1) / MR) : 1;
  // Two buffers for the packed B and A when threaded: threads that finish one k block early
  // pack the next one while the others still read the current one.
  const int64_t slots = threads > 1 ? 2 : 1;
  // A read in place instead of packed when few B panels read it (n <= kDirectAMaxN): packing
  // would copy all of A for as few reuses (a 96 -> 24 channel 1x1 NHWC conv spent as long
  // packing its input as multiplying).
  // Likewise B when few A row panels read it (m <= kDirectBMaxM; A read in place takes
  // precedence, one operand is packed).
  // And A in place when it has fewer rows than a tile, B prepacked (a 1x1 conv over a few
  // positions: a squeeze-and-excitation layer, a classifier): its rows go through the edge
  // kernel, which prefetches the B panel ahead (every panel is read once, from memory: the
  // micro-kernel streamed a 1280 x 1000 one at 20 GB/s); or a flat product's, B prepacked
  // (packing A cost 10% of a 7x7 1x1 conv's time: its tiles read A once per B panel anyway).
  const bool a_direct = plan.ukernel_rows != nullptr && apre == nullptr && !trans_a &&
                        (n <= kDirectAMaxN || (m < MR && bpre != nullptr && plan.ukernel_edge != nullptr) ||
                         (flat && bpre != nullptr));
  // On several threads also twice as tall: the packed B's hand-offs between the threads
  // cost more than B's strided reads (fc_b64, 64 x 4096 x 1024, 2 threads: 2.50-2.60 ms
  // packed, 1.73-1.75 in place; on 1 thread packing wins: 3.35-3.58 against 4.13-4.16).
  // On one thread too where K is short and B's rows are not a multiple of 4 KB apart (rows
  // 4 KB apart share L1 sets, and a long K's panel outgrows L1): a 256 -> 64 1x1 NCHW conv,
  // 64 x 3136 x 256, 0.63-0.67 ms packed, 0.54-0.57 in place; 48 x 3136 x 256 0.51-0.53 ->
  // 0.38-0.40; 64 x 3136 x 768 1.97-1.99 -> 1.70-1.73; but 64 x 4096 x 768 2.61-2.67 ->
  // 2.76-3.03 and 64 x 1024 x 1024 0.77 -> 0.91-1.14. AVX-512's plan only (a panel row of 32
  // floats, two lines): at AVX2 (16 floats, one line a row) the 1x1 conv went 1.31-1.39 -> 2.08.
  const bool b_direct_short_k = m <= 2 * kDirectBMaxM && k <= kDirectBMaxK && ldb % 1024 != 0 && NR >= 32;
  const bool b_direct = !a_direct && plan.ukernel_cols != nullptr && bpre == nullptr && !trans_b &&
                        (m <= kDirectBMaxM || (threads > 1 && m <= 2 * kDirectBMaxM) || b_direct_short_k);

  // B in place, 16 bytes (say) past a cache line, its rows a whole number of lines apart (a
  // caller's Float32Array: V8 allocates them 16-byte aligned): each NR-float panel row then
  // spans one line more, and every load of the kernel crosses two lines (fc_b64, 64 x 4096 x
  // 1024, 2 threads: 1.93-2.00 ms against 1.73-1.75 aligned). Its first columns, up to the next
  // line, are then a block of their own, and every other panel starts on a line. Not for a B
  // that stays in cache: there the crossings cost less than the extra partial panel (64 x 400
  // x 120: 30-32 us either way misaligned, 33 with the head block).
  int64_t head = 0;
  if (b_direct && ldb % 16 == 0 && k * n >= kHeadMinB) {
    const auto off = static_cast<int64_t>(reinterpret_cast<uintptr_t>(b) % 64);
    if (off % 4 == 0 && off != 0 && (64 - off) / 4 < n) head = (64 - off) / 4;
  }
  int64_t n_q = 0, max_chunks = 1;
  const std::vector<gemm_block> blocks =
      loops_5_4_3(n, k, NC, KC, NR, m_blocks, wave, threads, head, &n_q, &max_chunks);
  const int64_t n_blocks = static_cast<int64_t>(blocks.size());
  const int64_t max_panels = (std::min(NC, n) + NR - 1) / NR;
  const int64_t KCP = KC * NR + kBPanelPad;  // floats from one packed B panel to the next
  float* bp = bpre != nullptr || b_direct ? nullptr : pack_b_space.get(static_cast<size_t>(slots * max_panels * KCP));
  float* ap = apre != nullptr || a_direct ? nullptr : pack_a_space.get(static_cast<size_t>(slots * wave * MCP * KC));

  // Shared state. Each packed piece (a part of a B block, an A block) is packed once, by the
  // first task that needs it, after the tasks that last read its buffer slot are done; a task
  // updates a C tile region only after the previous k block's task on it is done.
  std::unique_ptr<std::atomic<int>[]> b_state(new std::atomic<int>[n_q * b_parts]);
  std::unique_ptr<std::atomic<int>[]> a_state(new std::atomic<int>[n_blocks * wave * a_parts]);
  std::unique_ptr<std::atomic<int64_t>[]> done(new std::atomic<int64_t>[n_blocks]);
  // One C region per column block, A block and chunk: a region's k blocks wait for each
  // other through it alone (shared by the column blocks, a later block's publish could let a
  // region's next k block start while a slow thread still added the one before: 3+ threads).
  const int64_t n_regions = (blocks.back().jb + 1) * m_blocks * max_chunks;
  std::unique_ptr<std::atomic<int64_t>[]> c_done(new std::atomic<int64_t>[n_regions]);
  for (int64_t i = 0; i < n_q * b_parts; ++i) b_state[i].store(kUnpacked, std::memory_order_relaxed);
  for (int64_t i = 0; i < n_blocks * wave * a_parts; ++i) a_state[i].store(kUnpacked, std::memory_order_relaxed);
  for (int64_t i = 0; i < n_blocks; ++i) done[i].store(0, std::memory_order_relaxed);
  for (int64_t i = 0; i < n_regions; ++i) c_done[i].store(-1, std::memory_order_relaxed);
  auto wait_done = [&](int64_t g) {  // every task of block g has finished
    const int64_t want = blocks[g].wave_blocks * blocks[g].n_chunks;
    spin_until([&] { return done[g].load(std::memory_order_acquire) == want; });
  };
  // Every block of (jc, pc) pair q (its waves), found by scanning (there are few blocks).
  auto wait_q_done = [&](int64_t q) {
    for (int64_t g = 0; g < n_blocks; ++g) {
      if (blocks[g].q == q) wait_done(g);
    }
  };

  // Task `local` of block g: the packed pieces it needs, then its C region for this k block.
  auto run_task = [&](int64_t g, int64_t local, float* tile) {
    const gemm_block& bk = blocks[g];
    const int64_t wb = local / bk.n_chunks, chunk = local % bk.n_chunks;
    const int64_t jc = bk.jc, nc = bk.nc, pc = bk.pc, kc = bk.kc;
    const float beta_eff = pc == 0 ? beta : 1.0f;  // later k blocks accumulate
    // Prepacked: the block's panels are rows [pc, pc + kc) of the full-K panels from jc / NR.
    const float* bpk = bpre != nullptr ? bpre + (jc / NR) * k * NR + pc * NR
                       : b_direct      ? b + pc * ldb + jc
                                       : bp + (bk.q % slots) * max_panels * KCP;
    const int64_t b_panel_stride = bpre != nullptr ? k * NR : kc * NR + kBPanelPad;  // unused in place
    if (bpre == nullptr && !b_direct) {
      pack_once(&b_state[bk.q * b_parts], b_parts, [&](int64_t part) {
        if (bk.q >= slots) wait_q_done(bk.q - slots);  // the slot's last readers
        pack_b(trans_b, b, ldb, pc, kc, jc, nc, NR, part, b_parts, plan.pack_t8,
               bp + (bk.q % slots) * max_panels * KCP, b_panel_stride);
      });
    }
    // This task's A block of loop 3 (MC rows of A and C).
    const int64_t mb = bk.mb0 + wb;
    const int64_t ic = mb * MC;
    const int64_t mc = std::min(MC, m - ic);
    const float* apb = apre != nullptr ? apre + (ic / MR) * k * MR + pc * MR
                       : a_direct      ? a + ic * lda + pc
                                       : ap + ((g % slots) * wave + wb) * MCP * KC;
    if (apre == nullptr && !a_direct) {
      pack_once(&a_state[(g * wave + wb) * a_parts], a_parts, [&](int64_t part) {
        if (g >= slots) wait_done(g - slots);  // the slot's last readers
        pack_a(trans_a, a, lda, ic, mc, pc, kc, MR, part, a_parts, plan.pack_t8,
               ap + ((g % slots) * wave + wb) * MCP * KC);
      });
    }
    std::atomic<int64_t>& c_region = c_done[(bk.jb * m_blocks + mb) * max_chunks + chunk];
    if (pc > 0) {  // the previous k block's task on this C region
      spin_until([&] { return c_region.load(std::memory_order_acquire) >= bk.q - 1; });
    }
    const int64_t jp_begin = chunk * bk.per_chunk;
    const int64_t jp_end = std::min(bk.n_panels, jp_begin + bk.per_chunk);
    // The last k block finishes the tiles with epi (moved to this block's origin).
    gemm_epilogue block_epi{};
    if (epi != nullptr) {
      block_epi = {epi->bias != nullptr ? epi->bias + jc : nullptr,
                   epi->res != nullptr ? epi->res + ic * ldc + jc : nullptr, epi->act, epi->rows};
    }
    loops_2_1(plan, mc, nc, kc, jp_begin, jp_end, apb, apre != nullptr ? k * MR : kc * MR, a_direct ? lda : 0, bpk,
              b_panel_stride, b_direct ? ldb : 0,
              alpha, beta_eff, c + ic * ldc + jc, ldc, tile, epi != nullptr && pc + kc == k ? &block_epi : nullptr);
    if (hook != nullptr && pc + kc == k) {  // this C region is final: its epilogue while in cache
      const int64_t j0 = jc + jp_begin * NR;
      hook->fn(hook->ctx, ic, mc, j0, std::min(nc, jp_end * NR) - jp_begin * NR);
    }
    // Publish: C region done for k block q, task counted.
    int64_t seen = c_region.load(std::memory_order_relaxed);
    while (seen < bk.q &&
           !c_region.compare_exchange_weak(seen, bk.q, std::memory_order_acq_rel)) {
    }
    done[g].fetch_add(1, std::memory_order_acq_rel);
  };

  // Each block's tasks are split into one contiguous range per thread (a thread keeps the
  // same C regions in every k block, so C stays in its caches); a thread that runs out takes
  // tasks from the others' ranges (one thread delayed by the OS does not hold half the work).
  // A thread moves to the next block only when every task of this one is taken, so every wait
  // is for a task taken earlier: no deadlock.
  std::unique_ptr<std::atomic<int64_t>[]> next(new std::atomic<int64_t>[n_blocks * threads]);
  for (int64_t i = 0; i < n_blocks * threads; ++i) next[i].store(0, std::memory_order_relaxed);
  auto macro_tasks = [&](int64_t piece, int64_t) {
    alignas(64) float tile[16 * 64];  // scratch for partial tiles, MR*NR <= 1024
    // Its own range is its parallel_for piece (the caller's is 0), not the order the threads
    // arrive in: consecutive products then give each core the same C rows, which the next
    // layer's same-numbered range reads from its own cache (a line from the other core costs
    // ~20 times an L2 hit on the 2-core VMs measured).
    const int64_t self = piece % threads;
    for (int64_t g = 0; g < n_blocks; ++g) {
      const int64_t n_tasks = blocks[g].wave_blocks * blocks[g].n_chunks;
      run_own_range_then_others(n_tasks, threads, self, next.get() + g * threads,
                                [&](int64_t t) { run_task(g, t, tile); });
    }
  };
  // One parallel region for the whole product: no join between k blocks.
  if (threaded) {
    parallel_for(threads, macro_tasks);
  } else {
    macro_tasks(0, 1);
  }
}

}  // namespace

// Few rows of A and a B of at most 8 MB (a 1x1 conv over 7x7 or 14x14 positions, a small
// batch through a linear layer): the whole depth in one k block. Its tiles then depend on no
// earlier k block's, so the threads share them without waiting, and no partial C is stored
// and read back (a 7x7 960 -> 160 1x1 conv, prepacked, split into 4 k blocks of 5 tasks:
// 0.084 ms on one thread, 0.082 on two; in one block with A in place, 0.072 and 0.044;
// ResNet-50's 7x7 2048 -> 512: 0.60 and 0.40 ms, in one block 0.515 and 0.265; its 7x7
// 1024 -> 2048 downsample: 1.33 and 0.67 ms, in one block 1.07 and 0.55). The
// choice does not depend on B's form, so prepacked weights give conv2d's bits. (A larger B,
// packed per call in blocks this deep, left cache: fc_b64 ran 3.5 -> 4.5 ms.)
bool sgemm_one_k_block(int64_t m, int64_t n, int64_t k) {
  return m <= kFlatMaxM && k <= kFlatMaxK && k * n <= kFlatMaxB;
}

// Small products lose more to waking threads than they gain: below ~160^3 (measured: 128^3
// ran 0.9x on two threads, 256^3 1.5x) they stay on one.
bool sgemm_splits_over_threads(int64_t m, int64_t n, int64_t k) { return m * n * k >= (int64_t{1} << 22); }

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
           const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
           int64_t ldc) {
  sgemm_impl(trans_a, trans_b, m, n, k, alpha, a, lda, nullptr, b, ldb, nullptr, beta, c, ldc, nullptr, nullptr);
}

int64_t sgemm_packed_b_size(int64_t n, int64_t k) {
  const int64_t NR = get_gemm_plan().nr;
  return (n + NR - 1) / NR * NR * k;
}

void sgemm_pack_b(bool trans_b, int64_t n, int64_t k, const float* b, int64_t ldb, float* bp) {
  if (n <= 0 || k <= 0) return;
  const gemm_plan& plan = get_gemm_plan();
  pack_b(trans_b, b, ldb, 0, k, 0, n, plan.nr, 0, 1, plan.pack_t8, bp, k * plan.nr);
}

void sgemm_prepacked(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                     const float* a, int64_t lda, const float* b, int64_t ldb, const float* bp,
                     float beta, float* c, int64_t ldc, const gemm_block_hook* hook, const gemm_epilogue* epi) {
  sgemm_impl(trans_a, trans_b, m, n, k, alpha, a, lda, nullptr, b, ldb, bp, beta, c, ldc, hook, epi);
}

int64_t sgemm_packed_a_size(int64_t m, int64_t k) {
  const int64_t MR = get_gemm_plan().mr;
  return (m + MR - 1) / MR * MR * k;
}

void sgemm_pack_a(bool trans_a, int64_t m, int64_t k, const float* a, int64_t lda, float* ap) {
  if (m <= 0 || k <= 0) return;
  const gemm_plan& plan = get_gemm_plan();
  pack_a(trans_a, a, lda, 0, m, 0, k, plan.mr, 0, 1, plan.pack_t8, ap);
}

void sgemm_prepacked_a(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                       const float* a, int64_t lda, const float* ap, const float* b, int64_t ldb,
                       float beta, float* c, int64_t ldc, const gemm_block_hook* hook) {
  sgemm_impl(trans_a, trans_b, m, n, k, alpha, a, lda, ap, b, ldb, nullptr, beta, c, ldc, hook, nullptr);
}

}  // namespace convkit
