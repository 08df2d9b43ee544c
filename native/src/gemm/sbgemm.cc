// bf16 GEMM (convkit/sbgemm.h). With AVX512_BF16: op(B) is converted to bf16 pairs and packed
// once per call as full-K panels [ceil(N/NR)][ceil(K/2)][NR] (pairs), in parallel over the
// panels; then the tasks, (MC rows of A and C) x (a chunk of B panels), each run the k blocks
// in turn: convert and pack their A block [MC][KC] as pairs, then loops 2 and 1 of BLIS
// around the micro-kernel. Tasks are claimed dynamically (parallel/task-ranges.h), so a thread
// slowed by a neighbour hands its share over. Without the instructions: the operands are
// rounded to bf16 in fp32 copies and the fp32 GEMM runs on them.
#include "convkit/sbgemm.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "configs/gemm-config.h"
#include "configs/sbgemm-config.h"
#include "convkit/gemm.h"
#include "convkit/parallel.h"
#include "gemm/gemm-small.h"
#include "parallel/task-ranges.h"
#include "util/workspace.h"

namespace convkit {
namespace {

thread_local workspace pack_b_space;  // [panels][kp][NR] pairs
thread_local workspace pack_a_space;  // [MC / MR panels][KC / 2][MR] pairs
thread_local workspace rows_space;    // up to NR rows of pairs

uint32_t* as_pairs(float* p) { return reinterpret_cast<uint32_t*>(p); }

// The fp32 copy of a rows x cols matrix (row stride ld) rounded to bf16, row stride cols.
std::vector<float> rounded(int64_t rows, int64_t cols, const float* src, int64_t ld) {
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) bf16_round_array(cols, src + r * ld, out.data() + r * cols);
  return out;
}

void sbgemm_emulated(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                     int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  const int64_t ar = trans_a ? k : m, ac = trans_a ? m : k;
  const int64_t br = trans_b ? n : k, bc = trans_b ? k : n;
  const std::vector<float> ab = rounded(ar, ac, a, lda), bb = rounded(br, bc, b, ldb);
  sgemm(trans_a, trans_b, m, n, k, alpha, ab.data(), ac, bb.data(), bc, beta, c, ldc);
}

// rows (<= width) rows of n floats (row stride ld) as pairs along each row, spread `width`
// apart: dst[q*width + i] = pair q of row i. Groups of 8 rows go through the fp32 GEMM's
// transposing pack (a pure shuffle, so it moves the pairs' bits unchanged); the rest one by one.
void spread_rows(const sbgemm_plan& plan, int64_t rows, int64_t width, int64_t n, const float* src, int64_t ld,
                 uint32_t* dst) {
  const int64_t np = (n + 1) / 2;
  uint32_t* tmp = as_pairs(rows_space.get(static_cast<size_t>(width * np)));
  for (int64_t i = 0; i < rows; ++i) plan.pairs_along(n, src + i * ld, tmp + i * np);
  const f32_pack_t8_fn pack_t8 = get_gemm_plan().pack_t8;
  int64_t i = 0;
  if (pack_t8) {
    for (; i + 8 <= rows; i += 8) {
      pack_t8(np, reinterpret_cast<const float*>(tmp + i * np), np, reinterpret_cast<float*>(dst + i), width);
    }
  }
  for (; i < rows; ++i) {
    for (int64_t q = 0; q < np; ++q) dst[q * width + i] = tmp[i * np + q];
  }
}

// Panels [p0, p1) of op(B) as full-K pair panels: dst + jp * kp * NR pairs is panel jp.
void pack_b_panels(const sbgemm_plan& plan, bool trans_b, int64_t n, int64_t k, const float* b, int64_t ldb,
                   int64_t p0, int64_t p1, uint32_t* dst) {
  const int64_t NR = plan.nr, kp = (k + 1) / 2;
  for (int64_t jp = p0; jp < p1; ++jp) {
    const int64_t jr = jp * NR, n_eff = std::min(NR, n - jr);
    uint32_t* d = dst + jp * kp * NR;
    if (n_eff < NR) std::memset(d, 0, static_cast<size_t>(kp * NR) * 4);
    if (!trans_b) {  // op(B)(p, j) = b[p*ldb + j]: rows 2q and 2q + 1, across
      for (int64_t q = 0; q < kp; ++q) {
        const float* r0 = b + 2 * q * ldb + jr;
        const float* r1 = 2 * q + 1 < k ? r0 + ldb : nullptr;
        plan.pairs_across(n_eff, r0, r1, d + q * NR);
      }
    } else {  // op(B)(p, j) = b[j*ldb + p]: column j's k run, along, then spread NR apart
      spread_rows(plan, n_eff, NR, k, b + jr * ldb, ldb, d);
    }
  }
}

// Rows [i0, i0 + mc) x k range [p0, p0 + kc) of op(A) (p0 even) as the micro-kernel reads
// them, zero past mc up to a multiple of MR rows: A itself (not transposed) as rows of
// ceil(kc/2) pairs, each row converted along (the kernel broadcasts from MR rows, no
// transpose: packing as panels cost as long again); A transposed as MR-row pair panels
// [ceil(mc/MR)][ceil(kc/2)][MR] (two rows of a across). Both take ceil(mc/MR) * MR * ceil(kc/2) pairs.
void pack_a_block(const sbgemm_plan& plan, bool trans_a, const float* a, int64_t lda, int64_t k, int64_t i0,
                  int64_t mc, int64_t p0, int64_t kc, uint32_t* dst) {
  const int64_t MR = plan.mr, kcp = (kc + 1) / 2;
  if (!trans_a) {  // op(A)(i, p) = a[i*lda + p]
    for (int64_t i = 0; i < mc; ++i) plan.pairs_along(kc, a + (i0 + i) * lda + p0, dst + i * kcp);
    const int64_t rows = (mc + MR - 1) / MR * MR;
    if (rows > mc) std::memset(dst + mc * kcp, 0, static_cast<size_t>((rows - mc) * kcp) * 4);
    return;
  }
  for (int64_t ir = 0; ir < mc; ir += MR, dst += kcp * MR) {  // op(A)(i, p) = a[p*lda + i]
    const int64_t m_eff = std::min(MR, mc - ir);
    if (m_eff < MR) std::memset(dst, 0, static_cast<size_t>(kcp * MR) * 4);
    for (int64_t q = 0; q < kcp; ++q) {
      const int64_t p = p0 + 2 * q;
      const float* r0 = a + p * lda + i0 + ir;
      plan.pairs_across(m_eff, r0, p + 1 < k ? r0 + lda : nullptr, dst + q * MR);
    }
  }
}

// bpre: op(B) packed by sbgemm_pack_b (its full-K pair panels), or null to pack them here.
// epi: null, or the epilogue the last k block finishes each tile with.
// a_pairs: null, or A already as rows of pairs (lda pairs apart, not transposed, k even),
// read in place without packing (a unused).
void sbgemm_packed(const sbgemm_plan& plan, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                   float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, const uint32_t* bpre,
                   float beta, float* c, int64_t ldc, const gemm_epilogue* epi, const uint32_t* a_pairs = nullptr) {
  const int64_t MR = plan.mr, NR = plan.nr, MC = plan.mc, KC = plan.kc;
  const int64_t kp = (k + 1) / 2, n_panels = (n + NR - 1) / NR;
  // Inside a parallel_for chunk (a conv tile's GEMM) it runs on this thread alone: planned for one
  // (cutting B into chunks for threads that are not there would repack A once per chunk).
  const bool threaded = m * n * k >= (int64_t{1} << 22) && get_num_threads() > 1 && !inside_parallel_for();
  const int64_t threads = threaded ? get_num_threads() : 1;

  const uint32_t* bp = bpre;
  if (bp == nullptr) {
    uint32_t* own = as_pairs(pack_b_space.get(static_cast<size_t>(n_panels * kp * NR)));
    auto pack_b = [&](int64_t lo, int64_t hi) { pack_b_panels(plan, trans_b, n, k, b, ldb, lo, hi, own); };
    if (threaded) {
      parallel_for(n_panels, pack_b);
    } else {
      pack_b(0, n_panels);
    }
    bp = own;
  }

  // Tasks: m blocks x chunks of B panels, at least 4 per thread when threaded.
  const int64_t m_blocks = (m + MC - 1) / MC;
  int64_t n_chunks = 1;
  while (threads > 1 && m_blocks * n_chunks < 4 * threads && n_chunks < n_panels) n_chunks *= 2;
  n_chunks = std::min(n_chunks, n_panels);
  const int64_t n_tasks = m_blocks * n_chunks;
  std::unique_ptr<std::atomic<int64_t>[]> taken(new std::atomic<int64_t>[threads]);
  for (int64_t i = 0; i < threads; ++i) taken[i].store(0, std::memory_order_relaxed);

  auto run_task = [&](int64_t t, uint32_t* ap, float* tile) {
    const int64_t mb = t / n_chunks, chunk = t % n_chunks;
    const int64_t ic = mb * MC, mc = std::min(MC, m - ic);
    const int64_t jp0 = n_panels * chunk / n_chunks, jp1 = n_panels * (chunk + 1) / n_chunks;
    for (int64_t pc = 0; pc < k; pc += KC) {
      const int64_t kc = std::min(KC, k - pc), kcp = (kc + 1) / 2;
      const float beta_eff = pc == 0 ? beta : 1.0f;
      const gemm_epilogue* finish = pc + kc >= k ? epi : nullptr;  // the last k block
      const uint32_t* ab = a_pairs != nullptr ? a_pairs + ic * lda + pc / 2 : ap;  // rows ic.., pairs from pc / 2
      const int64_t a_ld = a_pairs != nullptr ? lda : trans_a ? 0 : kcp;
      if (a_pairs == nullptr) pack_a_block(plan, trans_a, a, lda, k, ic, mc, pc, kc, ap);
      for (int64_t jp = jp0; jp < jp1; ++jp) {
        const int64_t jr = jp * NR, n_eff = std::min(NR, n - jr);
        const uint16_t* bpanel = reinterpret_cast<const uint16_t*>(bp + (jp * kp + pc / 2) * NR);
        const float* bias = finish != nullptr && finish->bias != nullptr ? finish->bias + jr : nullptr;
        for (int64_t ir = 0; ir < mc; ir += MR) {
          const int64_t m_eff = std::min(MR, mc - ir);
          // Row ir of the block (rows of pairs, or its panel: pack_a_block).
          const uint16_t* apanel = reinterpret_cast<const uint16_t*>(ab + ir * (a_ld != 0 ? a_ld : kcp));
          float* cij = c + (ic + ir) * ldc + jr;
          const float* res = finish != nullptr && finish->res != nullptr ? finish->res + (ic + ir) * ldc + jr : nullptr;
          if (m_eff == MR && n_eff == NR) {
            if (finish != nullptr) {
              plan.ukernel_finish(kcp, apanel, a_ld, bpanel, cij, ldc, alpha, beta_eff, bias, res, finish->act);
            } else {
              plan.ukernel(kcp, apanel, a_ld, bpanel, cij, ldc, alpha, beta_eff);
            }
            continue;
          }
          plan.ukernel(kcp, apanel, a_ld, bpanel, tile, NR, alpha, 0.0f);
          store_partial_tile(m_eff, n_eff, tile, NR, beta_eff, cij, ldc);
          if (finish != nullptr) finish->rows(cij, m_eff, n_eff, ldc, bias, false, res, finish->act);
        }
      }
    }
  };
  auto worker = [&](int64_t piece, int64_t) {
    alignas(64) float tile[16 * 64];  // MR * NR <= 1024
    uint32_t* ap = a_pairs != nullptr ? nullptr
                                      : as_pairs(pack_a_space.get(static_cast<size_t>((MC + MR - 1) / MR * MR * (KC / 2 + 1))));
    // Its range by its parallel_for piece, as gemm.cc's macro_tasks (the same rows per core).
    const int64_t self = piece % threads;
    run_own_range_then_others(n_tasks, threads, self, taken.get(), [&](int64_t t) { run_task(t, ap, tile); });
  };
  if (threaded) {
    parallel_for(threads, worker);
  } else {
    worker(0, 1);
  }
}

}  // namespace

uint16_t float_to_bf16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);  // NaN, quiet
  if ((u & 0x7f800000u) == 0) return static_cast<uint16_t>((u >> 16) & 0x8000u);          // zero, denormal
  u += 0x7fffu + ((u >> 16) & 1u);                                                        // to nearest even
  return static_cast<uint16_t>(u >> 16);
}

float bf16_to_float(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

bool sbgemm_native() { return get_sbgemm_plan().ukernel != nullptr; }

void bf16_round_array(int64_t n, const float* src, float* dst) {
  const bf16_round_fn round = get_sbgemm_plan().round;
  auto part = [&](int64_t lo, int64_t hi) {
    if (round) {
      round(hi - lo, src + lo, dst + lo);
    } else {
      for (int64_t i = lo; i < hi; ++i) dst[i] = bf16_round(src[i]);
    }
  };
  constexpr int64_t kChunk = 1 << 16;  // floats per task: 256 KB, a memory-bound pass
  if (n >= 2 * kChunk && get_num_threads() > 1) {
    parallel_for((n + kChunk - 1) / kChunk, [&](int64_t lo, int64_t hi) { part(lo * kChunk, std::min(n, hi * kChunk)); });
  } else {
    part(0, n);
  }
}

void sbgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
            const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  const sbgemm_plan& plan = get_sbgemm_plan();
  if (plan.ukernel == nullptr) {
    sbgemm_emulated(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  sbgemm_packed(plan, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, nullptr, beta, c, ldc, nullptr);
}

void bf16_pairs(int64_t n, const float* src, uint32_t* dst) {
  const sbgemm_plan& plan = get_sbgemm_plan();
  auto part = [&](int64_t lo, int64_t hi) {  // lo even
    if (plan.pairs_along) {
      plan.pairs_along(hi - lo, src + lo, dst + lo / 2);
      return;
    }
    for (int64_t i = lo; i < hi; i += 2) {
      const uint32_t hi_half = i + 1 < hi ? float_to_bf16(src[i + 1]) : 0u;
      dst[i / 2] = float_to_bf16(src[i]) | hi_half << 16;
    }
  };
  constexpr int64_t kChunk = 1 << 16;  // floats per task (even)
  parallel_for_large((n + kChunk - 1) / kChunk, n, kChunk,
                     [&](int64_t lo, int64_t hi) { part(lo * kChunk, std::min(n, hi * kChunk)); });
}

void sbgemm_pairs_a_prepacked_b(int64_t m, int64_t n, int64_t k, const uint32_t* a, int64_t lda, const float* bp,
                                float* c, int64_t ldc, const gemm_epilogue* epi) {
  const sbgemm_plan& plan = get_sbgemm_plan();
  if (m <= 0 || n <= 0) return;
  if (plan.ukernel == nullptr || bp == nullptr || k <= 0 || k % 2 != 0) {
    throw std::invalid_argument("sbgemm_pairs_a_prepacked_b: needs the bf16 kernels, packed B and an even k");
  }
  sbgemm_packed(plan, false, true, m, n, k, 1.0f, nullptr, lda, nullptr, 0, reinterpret_cast<const uint32_t*>(bp),
                0.0f, c, ldc, epi, a);
}

int64_t sbgemm_packed_b_size(int64_t n, int64_t k) {
  const sbgemm_plan& plan = get_sbgemm_plan();
  if (plan.ukernel == nullptr || n <= 0 || k <= 0) return 0;
  return (n + plan.nr - 1) / plan.nr * plan.nr * ((k + 1) / 2);
}

int64_t sbgemm_panel_width() {
  const sbgemm_plan& plan = get_sbgemm_plan();
  return plan.ukernel == nullptr ? 0 : plan.nr;
}

void sbgemm_pack_b(bool trans_b, int64_t n, int64_t k, const float* b, int64_t ldb, float* bp) {
  const sbgemm_plan& plan = get_sbgemm_plan();
  if (plan.ukernel == nullptr || n <= 0 || k <= 0) return;
  pack_b_panels(plan, trans_b, n, k, b, ldb, 0, (n + plan.nr - 1) / plan.nr, as_pairs(bp));
}

void sbgemm_prepacked_b(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                        int64_t lda, const float* b, int64_t ldb, const float* bp, float beta, float* c, int64_t ldc,
                        const gemm_epilogue* epi) {
  const sbgemm_plan& plan = get_sbgemm_plan();
  if (plan.ukernel == nullptr || bp == nullptr || m <= 0 || n <= 0 || k <= 0 || alpha == 0.0f) {
    // The product (or beta * C alone), then the epilogue over all of C.
    sbgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (epi != nullptr && m > 0 && n > 0) epi->rows(c, m, n, ldc, epi->bias, false, epi->res, epi->act);
    return;
  }
  sbgemm_packed(plan, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, reinterpret_cast<const uint32_t*>(bp), beta,
                c, ldc, epi);
}

void sbgemm_ref(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = 0.0;
      for (int64_t p = 0; p < k; ++p) {
        const float av = trans_a ? a[p * lda + i] : a[i * lda + p];
        const float bv = trans_b ? b[j * ldb + p] : b[p * ldb + j];
        s += static_cast<double>(bf16_round(av)) * static_cast<double>(bf16_round(bv));
      }
      float& ci = c[i * ldc + j];
      ci = static_cast<float>(alpha * s + (beta == 0.0f ? 0.0 : static_cast<double>(beta) * ci));
    }
  }
}

}  // namespace convkit
