// AVX2 helpers shared by the ukernels (conv2d, pool2d, gemm). Include only from files
// compiled with the AVX2 flags (sources.json "avx2"). Internal linkage (an unnamed
// namespace), as util/avx512-helpers.h: no inline function built with these flags can be
// picked by the linker for a file built without them.
#pragma once
#include "util/x86-intrinsics.h"

#include <cstdint>

namespace convkit {
namespace {

// Lanes [0, n) of 8 for maskload / maskstore; n <= 0: none, n >= 8: all.
inline __m256i lanes_below(int64_t n) {
  const int32_t k = static_cast<int32_t>(n < 0 ? 0 : n > 8 ? 8 : n);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

}  // namespace
}  // namespace convkit
