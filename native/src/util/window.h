// The taps of a sliding window that land inside the input, along one axis: computed, not
// searched, so a loop over them needs no bounds test per tap. Shapes: a window of output o
// starts at o * stride - pad_before (conv, pool), has `kernel` taps `dilation` apart, and its
// tap t reads input index start + t * dilation of an axis of `size` cells.
// static inline: one private copy per translation unit, so an ISA-flagged file that includes
// this can never lend its build of the function to a portable caller.
#pragma once
#include <algorithm>
#include <cstdint>

namespace convkit {

// Taps [lo, hi) of a window; empty (lo == hi) when none lands inside.
struct tap_span {
  int64_t lo, hi;
};

// |start|, k, dil < 2^32 (every geometry the validators let through), so start + k*dil fits int64.
static inline tap_span valid_taps(int64_t start, int64_t dil, int64_t k, int64_t size) {
  if (start >= size) return {0, 0};
  const int64_t first = start >= 0 ? 0 : (-start + dil - 1) / dil;
  const int64_t last = std::min(k, (size - 1 - start) / dil + 1);
  return {std::min(first, last), last};
}

}  // namespace convkit
