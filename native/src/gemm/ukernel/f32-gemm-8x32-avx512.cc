// 8x32 f32 GEMM micro-kernel, AVX-512F: 16 zmm accumulators (8 rows x 2 vectors of 16),
// per k step 2 loads of B, 8 broadcasts of A, 16 FMAs. Contract in configs/gemm-config.h.
// Compiled with -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma -mavx2; includes only
// intrinsics and static inline helpers (gemm-tile-avx512.h: the C tile's prefetch and store),
// so no inline function built with these flags leaks into other files.
#include "util/x86-intrinsics.h"
#include <cstdint>

#include "conv2d/ukernel/ukernels.h"  // with_activation
#include "gemm/ukernel/gemm-tile-avx512.h"
#include "util/avx512-helpers.h"

namespace convkit {

namespace {

// The 8x32 tile's k loop, written once for the operand forms: per k step the two B vectors
// (load_b(p, b0, b1)), then 8 broadcasts of A (load_a(i, p)) and 16 FMAs; store(acc) at the end
// (default: store_c_8x32).
template <class LoadA, class LoadB, class Store>
inline void tile_8x32_then(int64_t kc, LoadA load_a, LoadB load_b, Store store) {
  __m512 acc[8][2];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    __m512 b0, b1;
    load_b(p, b0, b1);
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
      const __m512 ai = _mm512_set1_ps(load_a(i, p));
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
    }
  }
  store(acc);
}

template <class LoadA, class LoadB>
inline void tile_8x32(int64_t kc, LoadA load_a, LoadB load_b, float* c, int64_t ldc, float alpha, float beta) {
  prefetch_c_8x32(c, ldc);
  tile_8x32_then(kc, load_a, load_b, [&](const __m512 (&acc)[8][2]) { store_c_8x32(acc, c, ldc, alpha, beta); });
}

}  // namespace

// A packed (lda 0) or 8 rows in place (lda > 0); the tile finished as store_finished_8x32. The
// residual's rows are fetched while the k loop runs (from memory, in a conv).
void f32_gemm_ukernel_8x32_finish__avx512(int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                                          int64_t ldc, float alpha, float beta, const float* bias, const float* res,
                                          activation act) {
  prefetch_c_8x32(c, ldc);
  if (res != nullptr) prefetch_c_8x32(res, ldc);
  auto load_b = [b](int64_t p, __m512& b0, __m512& b1) {
    b0 = _mm512_loadu_ps(b + p * 32);
    b1 = _mm512_loadu_ps(b + p * 32 + 16);
  };
  with_activation(act, [&](auto tag) {
    constexpr activation A = decltype(tag)::value;
    auto store = [&](const __m512 (&acc)[8][2]) { store_finished_8x32<A>(acc, c, ldc, alpha, beta, bias, res); };
    if (lda == 0) {
      tile_8x32_then(kc, [a](int i, int64_t p) { return a[p * 8 + i]; }, load_b, store);
    } else {
      tile_8x32_then(kc, [a, lda](int i, int64_t p) { return a[i * lda + p]; }, load_b, store);
    }
  });
}

void f32_gemm_ukernel_8x32__avx512(int64_t kc, const float* a, const float* b, float* c,
                                   int64_t ldc, float alpha, float beta) {
  tile_8x32(
      kc, [a](int i, int64_t p) { return a[p * 8 + i]; },
      [b](int64_t p, __m512& b0, __m512& b1) {
        b0 = _mm512_loadu_ps(b + p * 32);
        b1 = _mm512_loadu_ps(b + p * 32 + 16);
      },
      c, ldc, alpha, beta);
}

// A read in place: row i's k run at a + i * lda (rows from m_eff on: row 0's), broadcast from
// there; the same FMAs in the same order as the packed kernel.
void f32_gemm_ukernel_8x32_rows__avx512(int64_t kc, const float* a, int64_t lda, int64_t m_eff, const float* b,
                                        float* c, int64_t ldc, float alpha, float beta) {
  const float* r[8];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) r[i] = a + (i < m_eff ? i : 0) * lda;
  tile_8x32(
      kc, [&r](int i, int64_t p) { return r[i][p]; },
      [b](int64_t p, __m512& b0, __m512& b1) {
        b0 = _mm512_loadu_ps(b + p * 32);
        b1 = _mm512_loadu_ps(b + p * 32 + 16);
      },
      c, ldc, alpha, beta);
}

namespace {

// An edge tile's rows stored under lane masks, finished as store_finished_8x32 finishes a full
// tile: c = act((alpha * acc + beta * c) + bias[j] + res[i * ldc + j]), bias and res may be null
// (masked loads: nothing past n_eff read).
template <int R, int V>
inline void store_edge_rows(const __m512 (&acc)[R][V], __mmask16 m0, __mmask16 m1, float* c, int64_t ldc,
                            float alpha, float beta, const float* bias, const float* res, activation act) {
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  __m512 bv[V];
  for (int v = 0; v < V; ++v) bv[v] = bias != nullptr ? _mm512_maskz_loadu_ps(v == 0 ? m0 : m1, bias + 16 * v) : _mm512_setzero_ps();
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    float* ci = c + i * ldc;
    for (int v = 0; v < V; ++v) {
      const __mmask16 m = v == 0 ? m0 : m1;
      __m512 y = _mm512_mul_ps(va, acc[i][v]);
      if (beta != 0.0f) y = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m, ci + 16 * v), y);
      if (bias != nullptr) y = _mm512_add_ps(y, bv[v]);
      if (res != nullptr) y = _mm512_add_ps(y, _mm512_maskz_loadu_ps(m, res + i * ldc + 16 * v));
      _mm512_mask_storeu_ps(ci + 16 * v, m, activate_avx512(act, y));
    }
  }
}

// Edge tiles of the A-in-place product, stored straight into C under lane masks instead of
// through a scratch tile: R rows of A (row i at a + i * lda) times the first 16 * V columns of a
// packed 32-wide B panel (row stride 32; its padding columns are zeros, so full loads are
// safe), lanes from n_eff on not stored; finished by store_edge_rows. Each sum is the same FMAs
// in the same order as the 8x32 kernels. V = 1 holds 16 rows (16 accumulators): a 1x1 NHWC
// conv with 16 output channels (MobileNetV2's first projection) ran the 8x32 tile half empty
// and copied it out of the scratch tile.
template <int R, int V>
inline void edge_tile(int64_t kc, const float* a, int64_t lda, const float* b, __mmask16 m0, __mmask16 m1,
                      float* c, int64_t ldc, float alpha, float beta, const float* bias, const float* res,
                      activation act) {
  __m512 acc[R][V];
#pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    acc[i][0] = _mm512_setzero_ps();
    if (V == 2) acc[i][V - 1] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < kc; ++p) {
    // Fewer rows than a tile (a product with a few rows of A): each panel is read once, from
    // memory; fetch it 32 k steps (4 KB) ahead. (Taller tiles find it in cache.)
    if (R < 8) {
      _mm_prefetch(reinterpret_cast<const char*>(b + (p + 32) * 32), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(b + (p + 32) * 32 + 16), _MM_HINT_T0);
    }
    const __m512 b0 = _mm512_loadu_ps(b + p * 32);
    const __m512 b1 = V == 2 ? _mm512_loadu_ps(b + p * 32 + 16) : b0;
#pragma GCC unroll 16
    for (int i = 0; i < R; ++i) {
      const __m512 ai = _mm512_set1_ps(a[i * lda + p]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      if (V == 2) acc[i][V - 1] = _mm512_fmadd_ps(ai, b1, acc[i][V - 1]);
    }
  }
  store_edge_rows<R, V>(acc, m0, m1, c, ldc, alpha, beta, bias, res, act);
}

// edge_tile<16, 1> with A's 16 row addresses formed from 6 base registers and lda as a scaled
// index (row i = base + lda * {1, 2, 4, 8}): with one pointer per row the compiler kept 16
// pointers live and reloaded 6 of them from the stack every k step (23 loads per 16 FMAs). The
// broadcast FMAs are written in assembly, as the compiler would otherwise make its own per-row
// pointers again; each is the same FMA (b0 * a, plus acc) as edge_tile's, in the same order.
inline void edge_tile_16x1(int64_t kc, const float* a, int64_t lda, const float* b, __mmask16 m0, float* c,
                           int64_t ldc, float alpha, float beta, const float* bias, const float* res,
                           activation act) {
  __m512 acc[16][1];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) acc[i][0] = _mm512_setzero_ps();
  const int64_t l = lda * static_cast<int64_t>(sizeof(float));  // bytes between rows
  const char* r0 = reinterpret_cast<const char*>(a);
  const char *r3 = r0 + 3 * l, *r6 = r0 + 6 * l, *r7 = r0 + 7 * l, *r9 = r0 + 9 * l, *r12 = r0 + 12 * l;
// acc[i] += b0 * broadcast(row at base, or base + l * scale); A is only read (nothing in this
// function stores to it, so no memory operand is needed to order the reads).
#define CK_FMA_ROW(i, base) asm("vfmadd231ps (%1)%{1to16%}, %2, %0" : "+v"(acc[i][0]) : "r"(base), "v"(b0))
#define CK_FMA_ROW_X(i, base, scale) \
  asm("vfmadd231ps (%1,%2," #scale ")%{1to16%}, %3, %0" : "+v"(acc[i][0]) : "r"(base), "r"(l), "v"(b0))
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_loadu_ps(b + p * 32);
    CK_FMA_ROW(0, r0);
    CK_FMA_ROW_X(1, r0, 1);
    CK_FMA_ROW_X(2, r0, 2);
    CK_FMA_ROW(3, r3);
    CK_FMA_ROW_X(4, r0, 4);
    CK_FMA_ROW_X(5, r3, 2);
    CK_FMA_ROW(6, r6);
    CK_FMA_ROW(7, r7);
    CK_FMA_ROW_X(8, r0, 8);
    CK_FMA_ROW(9, r9);
    CK_FMA_ROW_X(10, r6, 4);
    CK_FMA_ROW_X(11, r3, 8);
    CK_FMA_ROW(12, r12);
    CK_FMA_ROW_X(13, r9, 4);
    CK_FMA_ROW_X(14, r6, 8);
    CK_FMA_ROW_X(15, r7, 8);
    r0 += sizeof(float), r3 += sizeof(float), r6 += sizeof(float);
    r7 += sizeof(float), r9 += sizeof(float), r12 += sizeof(float);
  }
#undef CK_FMA_ROW
#undef CK_FMA_ROW_X
  store_edge_rows<16, 1>(acc, m0, 0, c, ldc, alpha, beta, bias, res, act);
}

}  // namespace

void f32_gemm_ukernel_8x32_edge__avx512(int64_t kc, const float* a, int64_t lda, int64_t m_eff, const float* b,
                                        int64_t n_eff, float* c, int64_t ldc, float alpha, float beta,
                                        const float* bias, const float* res, activation act) {
  const __mmask16 m0 = tail_mask(n_eff), m1 = tail_mask(n_eff - 16);
  int64_t i = 0;
  auto rows = [&](auto tile, int r) {
    for (; i + r <= m_eff; i += r) {
      tile(kc, a + i * lda, lda, b, m0, m1, c + i * ldc, ldc, alpha, beta, bias,
           res != nullptr ? res + i * ldc : nullptr, act);
    }
  };
  if (n_eff <= 16) {
    for (; i + 16 <= m_eff; i += 16) {
      edge_tile_16x1(kc, a + i * lda, lda, b, m0, c + i * ldc, ldc, alpha, beta, bias,
                     res != nullptr ? res + i * ldc : nullptr, act);
    }
    rows(edge_tile<8, 1>, 8), rows(edge_tile<4, 1>, 4), rows(edge_tile<2, 1>, 2), rows(edge_tile<1, 1>, 1);
  } else {
    rows(edge_tile<8, 2>, 8), rows(edge_tile<4, 2>, 4), rows(edge_tile<2, 2>, 2), rows(edge_tile<1, 2>, 1);
  }
}

// B read in place: row p's 32 columns at b + p * ldb, columns from n_eff on masked off (loaded
// as 0, never read); the same FMAs in the same order as the packed kernel.
void f32_gemm_ukernel_8x32_cols__avx512(int64_t kc, const float* a, const float* b, int64_t ldb, int64_t n_eff,
                                        float* c, int64_t ldc, float alpha, float beta) {
  auto packed_a = [a](int i, int64_t p) { return a[p * 8 + i]; };
  if (n_eff >= 32) {
    tile_8x32(
        kc, packed_a,
        [b, ldb](int64_t p, __m512& b0, __m512& b1) {
          b0 = _mm512_loadu_ps(b + p * ldb);
          b1 = _mm512_loadu_ps(b + p * ldb + 16);
        },
        c, ldc, alpha, beta);
    return;
  }
  const __mmask16 m0 = tail_mask(n_eff), m1 = tail_mask(n_eff - 16);
  tile_8x32(
      kc, packed_a,
      [b, ldb, m0, m1](int64_t p, __m512& b0, __m512& b1) {
        b0 = _mm512_maskz_loadu_ps(m0, b + p * ldb);
        b1 = _mm512_maskz_loadu_ps(m1, b + p * ldb + 16);
      },
      c, ldc, alpha, beta);
}

}  // namespace convkit
