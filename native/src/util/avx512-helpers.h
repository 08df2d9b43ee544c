// AVX-512 helpers shared by the ukernels (gemm, conv2d, pool2d). Include only from files
// compiled with the AVX-512 flags (sources.json "avx512"). Internal linkage (an unnamed
// namespace): each ukernel file gets its own copy, so no inline function built with these
// flags can be picked by the linker for a file built without them.
#pragma once
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "util/align.h"

namespace convkit {
namespace {

// Lanes [0, r) of 16; r may be <= 0 (no lanes) or >= 16 (all lanes).
inline __mmask16 tail_mask(int64_t r) {
  return r >= 16 ? static_cast<__mmask16>(0xFFFF)
                 : (r <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << r) - 1u));
}

// Floats of y before its next 64-byte line (util/align.h's rule at the zmm width).
inline int64_t floats_to_line(const float* y, int64_t n) { return floats_to_boundary(y, n, 64); }

}  // namespace
}  // namespace convkit
