// Upsample ukernels, AVX-512 (contracts in ukernels.h). NCHW rows: the column indices rise by at
// most one per output when upsampling, so 16 outputs read at most 16 neighbouring source pixels:
// one load and a lane permute (a gather only when the span is wider, e.g. downsampling). NHWC
// pixels blend 16 channels per vector (x2 row pairs under 16 channels: one flat run of the row,
// pairs_flat). The x2 row pairs prefetch their output lines. Compiled with the AVX-512 flags; the
// gradients (scatter-adds, order-dependent) stay portable.
#include "upsample2d/ukernel/ukernels.h"
#include "upsample2d/ukernel/x2-taps.h"
#include "util/avx512-helpers.h"
#include "util/x86-intrinsics.h"

namespace convkit {

namespace {

// The 16 (or fewer, under m) source pixels r[idx[lane]]: a load of r[base..base+15] and a
// permute when every index lies there, else a gather. Indices rise along the row, so the
// largest is the last one; the load reads only up to it (never past the row).
inline __m512 fetch(const float* r, __m512i idx, __mmask16 m, int32_t base, int32_t last) {
  if (last - base < 16) {
    const __m512 block = _mm512_maskz_loadu_ps(tail_mask(last - base + 1), r + base);
    return _mm512_permutexvar_ps(_mm512_sub_epi32(idx, _mm512_set1_epi32(base)), block);
  }
  return _mm512_mask_i32gather_ps(_mm512_setzero_ps(), m, idx, r, 4);
}

}  // namespace

void f32_upsample_nearest_row__avx512(const float* r, const int32_t* i0, float* y, int64_t n) {
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = tail_mask(n - j);
    const int64_t e = (j + 16 < n ? j + 16 : n) - 1;
    const __m512i idx = _mm512_mask_loadu_epi32(_mm512_set1_epi32(i0[j]), m, i0 + j);
    _mm512_mask_storeu_ps(y + j, m, fetch(r, idx, m, i0[j], i0[e]));
  }
}

void f32_upsample_nearest_row_x2__avx512(const float* r, float* y, int64_t n) {
  // 16 sources -> 32 outputs: each lane twice, by two lane permutes of one load.
  const __m512i lo = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
  const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(8));
  int64_t k = 0;
  for (; k + 16 <= n; k += 16) {
    const __m512 v = _mm512_loadu_ps(r + k);
    _mm512_storeu_ps(y + 2 * k, _mm512_permutexvar_ps(lo, v));
    _mm512_storeu_ps(y + 2 * k + 16, _mm512_permutexvar_ps(hi, v));
  }
  if (k < n) {
    const int64_t left = n - k;  // 1..15 sources, 2..30 outputs
    const __m512 v = _mm512_maskz_loadu_ps(tail_mask(left), r + k);
    _mm512_mask_storeu_ps(y + 2 * k, tail_mask(2 * left), _mm512_permutexvar_ps(lo, v));
    if (left > 8) _mm512_mask_storeu_ps(y + 2 * k + 16, tail_mask(2 * left - 16), _mm512_permutexvar_ps(hi, v));
  }
}

void f32_upsample_linear_row__avx512(const float* r, const int32_t* i0, const int32_t* i1, const float* w0,
                                     const float* w1, float* t, int64_t n) {
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = tail_mask(n - j);
    const int64_t e = (j + 16 < n ? j + 16 : n) - 1;
    // Masked-off lanes repeat the first index, so they stay inside [base, last].
    const __m512i a = _mm512_mask_loadu_epi32(_mm512_set1_epi32(i0[j]), m, i0 + j);
    const __m512i b = _mm512_mask_loadu_epi32(_mm512_set1_epi32(i0[j]), m, i1 + j);
    const __m512 wa = _mm512_maskz_loadu_ps(m, w0 + j), wb = _mm512_maskz_loadu_ps(m, w1 + j);
    const int32_t base = i0[j], last = i1[e] > i0[e] ? i1[e] : i0[e];
    _mm512_mask_storeu_ps(t + j, m, _mm512_add_ps(_mm512_mul_ps(wa, fetch(r, a, m, base, last)), _mm512_mul_ps(wb, fetch(r, b, m, base, last))));
  }
}

void f32_upsample_linear_row_x2__avx512(const float* r, float* t, int64_t w, int64_t c) {
  const __m512 q = _mm512_set1_ps(0.25f), tq = _mm512_set1_ps(0.75f);
  if (c == 1) {
    // 16 sources k..k+15 -> 32 outputs: even 2i = 1/4 r[i-1] + 3/4 r[i], odd 2i+1 = 3/4 r[i] +
    // 1/4 r[i+1], from three shifted loads, interleaved by two two-source permutes. The first and
    // last outputs (clamped taps) are written after.
    const __m512i lo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(8));
    int64_t k = 0;
    if (w >= 17) {
      // k = 0: the previous pixels by a lane rotate (lane 0's output is rewritten below).
      const __m512 cur = _mm512_loadu_ps(r);
      const __m512 prev = _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(cur), _mm512_castps_si512(cur), 15));
      const __m512 next = _mm512_loadu_ps(r + 1);
      const __m512 even = _mm512_add_ps(_mm512_mul_ps(q, prev), _mm512_mul_ps(tq, cur));
      const __m512 odd = _mm512_add_ps(_mm512_mul_ps(tq, cur), _mm512_mul_ps(q, next));
      _mm512_storeu_ps(t, _mm512_permutex2var_ps(even, lo, odd));
      _mm512_storeu_ps(t + 16, _mm512_permutex2var_ps(even, hi, odd));
      for (k = 16; k + 17 <= w; k += 16) {
        const __m512 p = _mm512_loadu_ps(r + k - 1), v = _mm512_loadu_ps(r + k), n = _mm512_loadu_ps(r + k + 1);
        const __m512 e = _mm512_add_ps(_mm512_mul_ps(q, p), _mm512_mul_ps(tq, v));
        const __m512 o = _mm512_add_ps(_mm512_mul_ps(tq, v), _mm512_mul_ps(q, n));
        _mm512_storeu_ps(t + 2 * k, _mm512_permutex2var_ps(e, lo, o));
        _mm512_storeu_ps(t + 2 * k + 16, _mm512_permutex2var_ps(e, hi, o));
      }
    }
    for (; k < w; k += 16) {
      // Tail (or a row under 17): masked loads; lanes past the row read nothing.
      const int64_t left = w - k;
      const __m512 v = _mm512_maskz_loadu_ps(tail_mask(left), r + k);
      const __m512 p = k > 0 ? _mm512_maskz_loadu_ps(tail_mask(left), r + k - 1)
                             : _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(v), _mm512_castps_si512(v), 15));
      const __m512 n = _mm512_maskz_loadu_ps(tail_mask(left - 1), r + k + 1);
      const __m512 e = _mm512_add_ps(_mm512_mul_ps(q, p), _mm512_mul_ps(tq, v));
      const __m512 o = _mm512_add_ps(_mm512_mul_ps(tq, v), _mm512_mul_ps(q, n));
      if (left >= 16) {  // plain stores for whole vectors (masked ones are slow on AMD)
        _mm512_storeu_ps(t + 2 * k, _mm512_permutex2var_ps(e, lo, o));
        _mm512_storeu_ps(t + 2 * k + 16, _mm512_permutex2var_ps(e, hi, o));
        continue;
      }
      _mm512_mask_storeu_ps(t + 2 * k, tail_mask(2 * left), _mm512_permutex2var_ps(e, lo, o));
      if (left > 8) _mm512_mask_storeu_ps(t + 2 * k + 16, tail_mask(2 * left - 16), _mm512_permutex2var_ps(e, hi, o));
    }
    t[0] = 1.0f * r[0] + 0.0f * r[w > 1 ? 1 : 0];
    t[2 * w - 1] = 0.75f * r[w - 1] + 0.25f * r[w - 1];
    return;
  }
  // Pixels of c channels: output pixels 2i - 1 and 2i from source pixels i - 1 and i, 16 channels
  // a step; the first and last output pixels by their clamped taps.
  auto blend = [&](const float* a, const float* b, __m512 wa, __m512 wb, float* y) {
    for (int64_t k = 0; k < c; k += 16) {
      const __mmask16 m = tail_mask(c - k);
      _mm512_mask_storeu_ps(y + k, m, _mm512_add_ps(_mm512_mul_ps(wa, _mm512_maskz_loadu_ps(m, a + k)), _mm512_mul_ps(wb, _mm512_maskz_loadu_ps(m, b + k))));
    }
  };
  blend(r, r + (w > 1 ? c : 0), _mm512_set1_ps(1.0f), _mm512_setzero_ps(), t);
  for (int64_t i = 1; i < w; ++i) {
    const float* a = r + (i - 1) * c;
    const float* b = a + c;
    float* o = t + (2 * i - 1) * c;
    for (int64_t k = 0; k < c; k += 16) {
      const __mmask16 m = tail_mask(c - k);
      const __m512 va = _mm512_maskz_loadu_ps(m, a + k), vb = _mm512_maskz_loadu_ps(m, b + k);
      _mm512_mask_storeu_ps(o + k, m, _mm512_add_ps(_mm512_mul_ps(tq, va), _mm512_mul_ps(q, vb)));
      _mm512_mask_storeu_ps(o + c + k, m, _mm512_add_ps(_mm512_mul_ps(q, va), _mm512_mul_ps(tq, vb)));
    }
  }
  const float* last = r + (w - 1) * c;
  blend(last, last, tq, q, t + (2 * w - 1) * c);
}

namespace {

// The output lines kAhead floats (4 KB) ahead of the stores are requested early: a store that
// misses waits for its line to be read, and the store queue alone keeps few such reads in flight
// (x2 writes four times what it reads). Prefetches do not fault, so past the end of y is harmless.
constexpr int64_t kAhead = 1024;
inline void prefetch_out(const float* p) { _mm_prefetch(reinterpret_cast<const char*>(p + kAhead), _MM_HINT_T0); }

// Fewer than 16 channels: the pairs' inner output pixels 1 .. 2w - 2 as one flat run of
// L = (2w - 2) c floats per row, 16 a step. Flat output m (from pixel 1 on) is pixel p = m / c,
// channel m % c; it blends source pixels p / 2 and p / 2 + 1, A at a(m) = (p / 2) c + m % c and
// B = A + c, as 3/4, 1/4 for even p (output pixel 2i - 1) and 1/4, 3/4 for odd p. a(m + 2c) =
// a(m) + c, so the 16 indices of a step, less the smallest, depend only on m mod 2c (its phase,
// a multiple of g = gcd(16, 2c)); they span at most 16 floats (for every c < 16): a lane permute
// of the 16 floats loaded from the smallest index (and from it + c for B).
struct x2_phase {
  int32_t idx[16];   // a(phase + l) - lo
  int32_t lo;        // min over l of a(phase + l)
  __mmask16 first;   // lanes weighted 3/4, 1/4 (even p)
};

// Every c in [2, 15]: its phases at[first[c] + phase / gcd(16, 2c)], 84 in all, built once.
struct x2_phase_table {
  int first[16];
  x2_phase at[84];
};

inline int64_t phase_step(int64_t c) { return 2 * c % 16 == 0 ? 16 : 2 * c % 8 == 0 ? 8 : 2 * c % 4 == 0 ? 4 : 2; }

const x2_phase_table& phase_table() {
  static const x2_phase_table table = [] {
    x2_phase_table t{};
    int next = 0;
    for (int64_t c = 2; c < 16; ++c) {
      t.first[c] = next;
      for (int64_t ph = 0; ph < 2 * c; ph += phase_step(c)) {
        x2_phase& e = t.at[next++];
        int32_t a[16];
        e.lo = INT32_MAX;
        e.first = 0;
        for (int l = 0; l < 16; ++l) {
          const int64_t m = ph + l, p = m / c;
          a[l] = static_cast<int32_t>((p / 2) * c + m % c);
          if (a[l] < e.lo) e.lo = a[l];
          if (p % 2 == 0) e.first = static_cast<__mmask16>(e.first | (1u << l));
        }
        for (int l = 0; l < 16; ++l) e.idx[l] = a[l] - e.lo;
      }
    }
    return t;
  }();
  return table;
}

// The 16 floats at p, zero past `avail` (the rest of the row).
inline __m512 load16(const float* p, int64_t avail) {
  return avail >= 16 ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(tail_mask(avail), p);
}

// The flat run of pixels 1 .. 2w - 2 of a pair (y0, y1 point at output pixel 1), c in [2, 15].
inline void pairs_flat(const float* r0, const float* r1, float* y0, float* y1, int64_t w, int64_t c) {
  const int64_t L = (2 * w - 2) * c, n = w * c;
  if (L == 0) return;
  const __m512 q = _mm512_set1_ps(0.25f), tq = _mm512_set1_ps(0.75f);
  const x2_phase* phases = phase_table().at + phase_table().first[c];
  const int64_t g = phase_step(c);
  // Steps of 16 outputs from flat m on: phase ph = m mod 2c, a(m) - a(ph) = cyc = (m - ph) / 2.
  // The last step (L not a multiple of 16) overlaps the one before (the same values written
  // twice): L is a multiple of 2c, so its phase is a multiple of g too. Under 16 outputs: masked.
  const __mmask16 mask = tail_mask(L);
  int64_t m = 0, ph = 0, cyc = 0;
  while (true) {
    const x2_phase& e = phases[ph / g];
    const __m512i idx = _mm512_loadu_si512(e.idx);
    const int64_t base = cyc + e.lo;
    prefetch_out(y0 + m);
    prefetch_out(y1 + m);
    const __m512 a0 = _mm512_permutexvar_ps(idx, load16(r0 + base, n - base));
    const __m512 b0 = _mm512_permutexvar_ps(idx, load16(r0 + base + c, n - base - c));
    const __m512 a1 = _mm512_permutexvar_ps(idx, load16(r1 + base, n - base));
    const __m512 b1 = _mm512_permutexvar_ps(idx, load16(r1 + base + c, n - base - c));
    const __m512 wa = _mm512_mask_blend_ps(e.first, q, tq), wb = _mm512_mask_blend_ps(e.first, tq, q);
    const __m512 t0 = _mm512_add_ps(_mm512_mul_ps(wa, a0), _mm512_mul_ps(wb, b0));
    const __m512 t1 = _mm512_add_ps(_mm512_mul_ps(wa, a1), _mm512_mul_ps(wb, b1));
    const __m512 u0 = _mm512_add_ps(_mm512_mul_ps(tq, t0), _mm512_mul_ps(q, t1));
    const __m512 u1 = _mm512_add_ps(_mm512_mul_ps(q, t0), _mm512_mul_ps(tq, t1));
    if (mask != 0xFFFF) {
      _mm512_mask_storeu_ps(y0, mask, u0);
      _mm512_mask_storeu_ps(y1, mask, u1);
      return;
    }
    _mm512_storeu_ps(y0 + m, u0);
    _mm512_storeu_ps(y1 + m, u1);
    if (m + 16 == L) return;
    m += 16;
    for (ph += 16; ph >= 2 * c; ph -= 2 * c) cyc += c;
    if (m + 16 > L) {
      m = L - 16;
      ph = m % (2 * c);
      cyc = (m - ph) / 2;
    }
  }
}

// One pair of bilinear_rows_x2.
inline void rows_x2_pair(const float* r0, const float* r1, float* y0, float* y1, int64_t w, int64_t c) {
  const __m512 q = _mm512_set1_ps(0.25f), tq = _mm512_set1_ps(0.75f);
  // y0 = 3/4 t0 + 1/4 t1, y1 = 1/4 t0 + 3/4 t1, stored under m.
  // (Masked stores are slow on AMD even with every lane set: whole vectors store plainly.)
  auto out = [&](__m512 t0, __m512 t1, float* a, float* b, __mmask16 m) {
    const __m512 u0 = _mm512_add_ps(_mm512_mul_ps(tq, t0), _mm512_mul_ps(q, t1));
    const __m512 u1 = _mm512_add_ps(_mm512_mul_ps(q, t0), _mm512_mul_ps(tq, t1));
    if (m == 0xFFFF) {
      _mm512_storeu_ps(a, u0);
      _mm512_storeu_ps(b, u1);
    } else {
      _mm512_mask_storeu_ps(a, m, u0);
      _mm512_mask_storeu_ps(b, m, u1);
    }
  };
  if (c == 1) {
    const __m512i lo = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(8));
    // One row's 32 outputs 2k.. from p = r[k-1..], v = r[k..], n = r[k+1..] (as linear_row_x2).
    auto blend = [&](__m512 p, __m512 v, __m512 n, __m512& a, __m512& b) {
      const __m512 e = _mm512_add_ps(_mm512_mul_ps(q, p), _mm512_mul_ps(tq, v));
      const __m512 o = _mm512_add_ps(_mm512_mul_ps(tq, v), _mm512_mul_ps(q, n));
      a = _mm512_permutex2var_ps(e, lo, o);
      b = _mm512_permutex2var_ps(e, hi, o);
    };
    auto rot = [](__m512 v) {
      return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(v), _mm512_castps_si512(v), 15));
    };
    // Output lines prefetched on rows of 64 pixels and more (measured: no gain on 32-wide rows).
    const bool ahead = w >= 64;
    int64_t k = 0;
    if (w >= 17) {
      __m512 a0, a1, b0, b1;
      const __m512 v0 = _mm512_loadu_ps(r0), v1 = _mm512_loadu_ps(r1);
      blend(rot(v0), v0, _mm512_loadu_ps(r0 + 1), a0, a1);
      blend(rot(v1), v1, _mm512_loadu_ps(r1 + 1), b0, b1);
      out(a0, b0, y0, y1, 0xFFFF);
      out(a1, b1, y0 + 16, y1 + 16, 0xFFFF);
      for (k = 16; k + 17 <= w; k += 16) {
        if (ahead) {
          prefetch_out(y0 + 2 * k);
          prefetch_out(y0 + 2 * k + 16);
          prefetch_out(y1 + 2 * k);
          prefetch_out(y1 + 2 * k + 16);
        }
        blend(_mm512_loadu_ps(r0 + k - 1), _mm512_loadu_ps(r0 + k), _mm512_loadu_ps(r0 + k + 1), a0, a1);
        blend(_mm512_loadu_ps(r1 + k - 1), _mm512_loadu_ps(r1 + k), _mm512_loadu_ps(r1 + k + 1), b0, b1);
        out(a0, b0, y0 + 2 * k, y1 + 2 * k, 0xFFFF);
        out(a1, b1, y0 + 2 * k + 16, y1 + 2 * k + 16, 0xFFFF);
      }
    }
    for (; k < w; k += 16) {
      if (ahead) {
        prefetch_out(y0 + 2 * k);
        prefetch_out(y0 + 2 * k + 16);
        prefetch_out(y1 + 2 * k);
        prefetch_out(y1 + 2 * k + 16);
      }
      const int64_t left = w - k;
      const __mmask16 m = tail_mask(left), mn = tail_mask(left - 1);
      __m512 a0, a1, b0, b1;
      // Masked loads are slow (AMD): only what runs past the row is masked.
      const bool whole = left >= 16;
      const __m512 v0 = whole ? _mm512_loadu_ps(r0 + k) : _mm512_maskz_loadu_ps(m, r0 + k);
      const __m512 v1 = whole ? _mm512_loadu_ps(r1 + k) : _mm512_maskz_loadu_ps(m, r1 + k);
      const __m512 p0 = k == 0 ? rot(v0) : whole ? _mm512_loadu_ps(r0 + k - 1) : _mm512_maskz_loadu_ps(m, r0 + k - 1);
      const __m512 p1 = k == 0 ? rot(v1) : whole ? _mm512_loadu_ps(r1 + k - 1) : _mm512_maskz_loadu_ps(m, r1 + k - 1);
      blend(p0, v0, _mm512_maskz_loadu_ps(mn, r0 + k + 1), a0, a1);
      blend(p1, v1, _mm512_maskz_loadu_ps(mn, r1 + k + 1), b0, b1);
      out(a0, b0, y0 + 2 * k, y1 + 2 * k, tail_mask(2 * left));
      if (left > 8) out(a1, b1, y0 + 2 * k + 16, y1 + 2 * k + 16, tail_mask(2 * left - 16));
    }
    // The clamped first and last outputs.
    const int64_t s = w > 1 ? 1 : 0;
    float t0 = 1.0f * r0[0] + 0.0f * r0[s], t1 = 1.0f * r1[0] + 0.0f * r1[s];
    y0[0] = 0.75f * t0 + 0.25f * t1;
    y1[0] = 0.25f * t0 + 0.75f * t1;
    t0 = 0.75f * r0[w - 1] + 0.25f * r0[w - 1];
    t1 = 0.75f * r1[w - 1] + 0.25f * r1[w - 1];
    y0[2 * w - 1] = 0.75f * t0 + 0.25f * t1;
    y1[2 * w - 1] = 0.25f * t0 + 0.75f * t1;
    return;
  }
  // Pixels of c channels, 16 a step: output pixel j from source pixels a, b with weights wa, wb.
  auto pixel = [&](int64_t a, int64_t b, __m512 wa, __m512 wb, int64_t j) {
    for (int64_t k = 0; k < c; k += 16) {
      const __mmask16 m = tail_mask(c - k);
      const __m512 t0 = _mm512_add_ps(_mm512_mul_ps(wa, _mm512_maskz_loadu_ps(m, r0 + a * c + k)), _mm512_mul_ps(wb, _mm512_maskz_loadu_ps(m, r0 + b * c + k)));
      const __m512 t1 = _mm512_add_ps(_mm512_mul_ps(wa, _mm512_maskz_loadu_ps(m, r1 + a * c + k)), _mm512_mul_ps(wb, _mm512_maskz_loadu_ps(m, r1 + b * c + k)));
      out(t0, t1, y0 + j * c + k, y1 + j * c + k, m);
    }
  };
  pixel(0, w > 1 ? 1 : 0, _mm512_set1_ps(1.0f), _mm512_setzero_ps(), 0);
  if (c < 16) {
    pairs_flat(r0, r1, y0 + c, y1 + c, w, c);
  } else {
    // Output pixels 2i - 1 and 2i from source pixels i - 1 and i: four loads for both, 16
    // channels a step; when c is not a multiple of 16 the last step overlaps the one before (the
    // same values written twice), so no load or store is masked.
    for (int64_t i = 1; i < w; ++i) {
      const float *a0 = r0 + (i - 1) * c, *a1 = a0 + c, *b0 = r1 + (i - 1) * c, *b1 = b0 + c;
      float *o0 = y0 + (2 * i - 1) * c, *o1 = y1 + (2 * i - 1) * c;
      for (int64_t k = 0; k < 2 * c; k += 16) {
        prefetch_out(o0 + k);
        prefetch_out(o1 + k);
      }
      for (int64_t k = 0;; k += 16) {
        if (k + 16 > c) k = c - 16;
        const __m512 pa = _mm512_loadu_ps(a0 + k), va = _mm512_loadu_ps(a1 + k);
        const __m512 pb = _mm512_loadu_ps(b0 + k), vb = _mm512_loadu_ps(b1 + k);
        const __m512 to0 = _mm512_add_ps(_mm512_mul_ps(tq, pa), _mm512_mul_ps(q, va));
        const __m512 to1 = _mm512_add_ps(_mm512_mul_ps(tq, pb), _mm512_mul_ps(q, vb));
        const __m512 te0 = _mm512_add_ps(_mm512_mul_ps(q, pa), _mm512_mul_ps(tq, va));
        const __m512 te1 = _mm512_add_ps(_mm512_mul_ps(q, pb), _mm512_mul_ps(tq, vb));
        _mm512_storeu_ps(o0 + k, _mm512_add_ps(_mm512_mul_ps(tq, to0), _mm512_mul_ps(q, to1)));
        _mm512_storeu_ps(o1 + k, _mm512_add_ps(_mm512_mul_ps(q, to0), _mm512_mul_ps(tq, to1)));
        _mm512_storeu_ps(o0 + c + k, _mm512_add_ps(_mm512_mul_ps(tq, te0), _mm512_mul_ps(q, te1)));
        _mm512_storeu_ps(o1 + c + k, _mm512_add_ps(_mm512_mul_ps(q, te0), _mm512_mul_ps(tq, te1)));
        if (k + 16 == c) break;
      }
    }
  }
  pixel(w - 1, w - 1, tq, q, 2 * w - 1);
}

}  // namespace

void f32_upsample_bilinear_rows_x2__avx512(const float* r, float* y, int64_t pairs, int64_t w, int64_t c) {
  for_each_row_pair_x2(r, y, pairs, w, c, [&](const float* r0, const float* r1, float* y0, float* y1) {
    rows_x2_pair(r0, r1, y0, y1, w, c);
  });
}

void f32_upsample_blend_rows__avx512(const float* t0, const float* t1, float h0, float h1, float* y, int64_t n) {
  const __m512 vh0 = _mm512_set1_ps(h0), vh1 = _mm512_set1_ps(h1);
  int64_t j = 0;
  for (; j + 32 <= n; j += 32) {
    _mm512_storeu_ps(y + j, _mm512_add_ps(_mm512_mul_ps(vh0, _mm512_loadu_ps(t0 + j)), _mm512_mul_ps(vh1, _mm512_loadu_ps(t1 + j))));
    _mm512_storeu_ps(y + j + 16, _mm512_add_ps(_mm512_mul_ps(vh0, _mm512_loadu_ps(t0 + j + 16)), _mm512_mul_ps(vh1, _mm512_loadu_ps(t1 + j + 16))));
  }
  for (; j < n; j += 16) {
    const __mmask16 m = tail_mask(n - j);
    _mm512_mask_storeu_ps(y + j, m, _mm512_add_ps(_mm512_mul_ps(vh0, _mm512_maskz_loadu_ps(m, t0 + j)), _mm512_mul_ps(vh1, _mm512_maskz_loadu_ps(m, t1 + j))));
  }
}

void f32_upsample_bilinear_pixel__avx512(const float* a, const float* b, const float* c, const float* d, float h0,
                                         float h1, float w0, float w1, float* y, int64_t n) {
  const __m512 vh0 = _mm512_set1_ps(h0), vh1 = _mm512_set1_ps(h1), vw0 = _mm512_set1_ps(w0), vw1 = _mm512_set1_ps(w1);
  for (int64_t k = 0; k < n; k += 16) {
    const __mmask16 m = tail_mask(n - k);
    const __m512 top = _mm512_add_ps(_mm512_mul_ps(vw0, _mm512_maskz_loadu_ps(m, a + k)), _mm512_mul_ps(vw1, _mm512_maskz_loadu_ps(m, b + k)));
    const __m512 bottom = _mm512_add_ps(_mm512_mul_ps(vw0, _mm512_maskz_loadu_ps(m, c + k)), _mm512_mul_ps(vw1, _mm512_maskz_loadu_ps(m, d + k)));
    _mm512_mask_storeu_ps(y + k, m, _mm512_add_ps(_mm512_mul_ps(vh0, top), _mm512_mul_ps(vh1, bottom)));
  }
}

}  // namespace convkit
