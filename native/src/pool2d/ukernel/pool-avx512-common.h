// Vector helpers shared by the AVX-512 pooling ukernels (f32-maxpool-*, f32-avgpool-*,
// f32-gavgpool-*, their backward): NaN-keeping max, the fold of max / avg, lane tables.
// Include only from files compiled with the AVX-512 flags; internal linkage, as
// util/avx512-helpers.h.
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
