// How the pooling drivers split work across threads: pool_for gives each thread at least
// kMinBytesPerThread of traffic; less work stays on the calling thread (waking a pool worker
// costs more than it saves). Tasks: NCHW planes, NHWC rows or channel blocks (the drivers').
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>

#include "convkit/parallel.h"
#include "convkit/pool2d.h"

namespace convkit {

// Handing a chunk to a worker costs about 2 us while the workers still spin from the last
// call (back-to-back ops, as in a model: parallel-test's timing, and a worker woken from its
// sleep joins late, when the caller takes its pieces instead), and the kernels move 25-60
// GB/s per core, so a share of 256 KiB (5-10 us of work) pays. (The bar was 2 MiB, from
// 57-112 us measured for a woken worker under load: SqueezeNet's max pools, 3-4 MB each,
// then ran on one thread, as slow at 2 threads as at 1.)
constexpr int64_t kMinBytesPerThread = int64_t{256} << 10;

// parallel_for over n tasks moving `bytes` bytes in all, on at most bytes /
// kMinBytesPerThread threads; inline when that is one. fn(lo, hi) runs tasks [lo, hi).
inline void pool_for(int64_t n, int64_t bytes, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  const int64_t nt = std::min<int64_t>({n, std::max<int64_t>(1, bytes / kMinBytesPerThread),
                                        static_cast<int64_t>(get_num_threads())});
  if (nt <= 1) {
    fn(0, n);
    return;
  }
  parallel_for(nt, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) fn(n * t / nt, n * (t + 1) / nt);
  });
}

// Bytes a forward pass (or the avg backward) moves: x and y once each.
inline int64_t fwd_bytes(const pool2d_params& p) {
  return 4 * p.batch * p.channels * (p.in_height * p.in_width + p.out_height * p.out_width);
}

// Max backward reads dy and x, writes dx.
inline int64_t max_bwd_bytes(const pool2d_params& p) {
  return fwd_bytes(p) + 4 * p.batch * p.channels * p.in_height * p.in_width;
}

}  // namespace convkit
