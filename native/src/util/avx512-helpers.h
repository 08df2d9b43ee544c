// AVX-512 helpers shared by the ukernels (gemm, conv2d, pool2d). Include only from files
// compiled with the AVX-512 flags (sources.json "avx512"). Internal linkage (an unnamed
// namespace): each ukernel file gets its own copy, so no inline function built with these
// flags can be picked by the linker for a file built without them.
#pragma once
#include "util/x86-intrinsics.h"

#include <cstdint>

namespace convkit {
namespace {

// Lanes [0, r) of 16; r may be <= 0 (no lanes) or >= 16 (all lanes).
inline __mmask16 tail_mask(int64_t r) {
  return r >= 16 ? static_cast<__mmask16>(0xFFFF)
                 : (r <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << r) - 1u));
}

// Floats of y before its next 64-byte line boundary, at most n (0 when y is not float-aligned).
// A streaming kernel stores them under a mask first, so its full-width stores never straddle two
// lines: V8's typed arrays start 16, 32 or 48 bytes into a line, where every unaligned 64-byte
// store would touch two.
inline int64_t floats_to_line(const float* y, int64_t n) {
  const auto at = reinterpret_cast<uintptr_t>(y);
  if ((at & 3) != 0) return 0;
  const auto k = static_cast<int64_t>(((64 - (at & 63)) & 63) / 4);
  return k < n ? k : n;
}

}  // namespace
}  // namespace convkit
