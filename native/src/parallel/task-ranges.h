// The task scheduling shared by the GEMM (gemm.cc: the tasks of each block) and the implicit
// GEMM conv (conv2d-igemm.cc): tasks [0, n) are split into `parts` contiguous ranges, range i
// = [n*i/parts, n*(i+1)/parts). A thread runs its own range first (neighbouring tasks share
// packed data and C regions, which then stay in its core's caches), then takes what is left
// of the others' ranges, so one thread delayed by the OS does not hold back a whole range.
// Internal to native/src; tested in native/test/parallel-test.cc.
#pragma once
#include <atomic>
#include <cstdint>

namespace convkit {

// Range r of `parts` over [0, n): [range_begin(n, r, parts), range_begin(n, r + 1, parts)).
inline int64_t range_begin(int64_t n, int64_t r, int64_t parts) { return n * r / parts; }

// Runs run(t) for the tasks this caller takes: first its own range `self`, then the rest of
// the others'. taken[parts] counts what has been taken of each range; they start at 0, and
// every caller of the same tasks shares them. Each task is run by exactly one caller.
template <class Run>
void run_own_range_then_others(int64_t n, int64_t parts, int64_t self,
                               std::atomic<int64_t>* taken, const Run& run) {
  for (int64_t v = 0; v < parts; ++v) {
    const int64_t owner = (self + v) % parts;
    const int64_t lo = range_begin(n, owner, parts), hi = range_begin(n, owner + 1, parts);
    for (int64_t t = lo + taken[owner].fetch_add(1, std::memory_order_relaxed); t < hi;
         t = lo + taken[owner].fetch_add(1, std::memory_order_relaxed)) {
      run(t);
    }
  }
}

}  // namespace convkit
