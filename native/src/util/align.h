// The one rule for where a streaming kernel's aligned main loop starts. Plain C++, no intrinsics:
// any ukernel file may include it. Internal linkage, as util/avx512-helpers.h: no copy built
// with one ISA's flags can stand in for another file's.
#pragma once
#include <cstdint>

namespace convkit {
namespace {

// Floats of y before its next `bytes` boundary (bytes a power of two, a multiple of 4), at most
// n; 0 when y is not float-aligned. A streaming kernel handles them first (masked or through its
// tail path) so its full-width stores never straddle two cache lines: V8's typed arrays start
// 16, 32 or 48 bytes into a 64-byte line, where every unaligned 64-byte store touches two.
inline int64_t floats_to_boundary(const float* y, int64_t n, uintptr_t bytes) {
  const auto at = reinterpret_cast<uintptr_t>(y);
  if ((at & 3) != 0) return 0;
  const auto k = static_cast<int64_t>(((bytes - (at & (bytes - 1))) & (bytes - 1)) / sizeof(float));
  return k < n ? k : n;
}

}  // namespace
}  // namespace convkit
