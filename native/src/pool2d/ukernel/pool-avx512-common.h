// Vector helpers shared by the AVX-512 pooling ukernels (f32-maxpool-*, f32-avgpool-*,
// f32-gavgpool-*, their backward): NaN-keeping max, the fold of max / avg, non-finite tracking
// of avg outputs, lane tables. Include only from files compiled with the AVX-512 flags;
// internal linkage, as util/avx512-helpers.h.
#pragma once
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "util/avx512-helpers.h"

namespace convkit {
namespace {

inline __m512 ninf() { return _mm512_set1_ps(-__builtin_inff()); }

// NaN-propagating max: max_ps(a, v) returns v when either is NaN; keep a where a is NaN.
inline __m512 nan_max(__m512 a, __m512 v) {
  return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q), _mm512_max_ps(a, v), a);
}

template <bool kMax>
inline __m512 fold(__m512 a, __m512 v) {
  return kMax ? nan_max(a, v) : _mm512_add_ps(a, v);
}

// Non-finite tracking of the avg outputs (the driver's double-precision fix-up runs only where
// a kernel reports one): v * 0 is NaN exactly where v is Inf or NaN, +-0 elsewhere, and
// fma(v, 0, bad) adds it to the tracker: bad stays +-0 in every lane until some v was not
// finite, then that lane is NaN for good. One FMA per stored vector (the multiply and OR it
// replaces cost one more op on the shared vector ports; issue 11's 3% budget), no mask compare
// (the permute port). merge_nonfinite ORs two trackers, which keeps both properties (NaN
// bits OR anything is NaN; +-0 OR +-0 is +-0).
// m: the lanes stored. Without m, every lane counts: lanes past the row's end may then flag
// a row whose stored outputs are all finite (only when nearby inputs are huge, Inf or NaN),
// which costs a fix-up scan that changes nothing, never a wrong output; the row kernels of
// NCHW save the masked form that way.
inline __m512i note_nonfinite(__m512i bad, __mmask16 m, __m512 v) {
  return _mm512_castps_si512(_mm512_mask3_fmadd_ps(v, _mm512_setzero_ps(), _mm512_castsi512_ps(bad), m));
}
inline __m512i note_nonfinite(__m512i bad, __m512 v) {
  return _mm512_castps_si512(_mm512_fmadd_ps(v, _mm512_setzero_ps(), _mm512_castsi512_ps(bad)));
}
inline __m512i merge_nonfinite(__m512i a, __m512i b) { return _mm512_or_si512(a, b); }
inline bool any_nonfinite(__m512i bad) {
  return _mm512_test_epi32_mask(bad, _mm512_set1_epi32(0x7fffffff)) != 0;
}

inline __m512i even_lanes() { return _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0); }
inline __m512i odd_lanes() { return _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1); }

// Lane-shift tables: permutex2var(cur, shift[o], next) is lanes o..o+15 of (cur | next).
struct lane_shifts {
  __m512i v[17];
  lane_shifts() {
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    for (int o = 0; o <= 16; ++o) v[o] = _mm512_add_epi32(lane, _mm512_set1_epi32(o));
  }
};

// Lanes of a 16-column block starting at column `start` that lie in [0, n).
inline __mmask16 inside(int64_t start, int64_t n) {
  return static_cast<__mmask16>(tail_mask(n - start) & ~tail_mask(-start));
}

}  // namespace
}  // namespace convkit
