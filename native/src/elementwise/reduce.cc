// Reductions along the middle axis of [outer, axis, inner]: contiguous rows (inner == 1) or
// columns reduced a vector of inner positions at a time (inner > 1), split over the thread pool
// by rows, by column blocks, or for a few long rows by chunks of the axis combined at the end.
#include "convkit/reduce.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "configs/elementwise-config.h"
#include "convkit/parallel.h"

namespace convkit {
namespace {

constexpr int64_t kGrain = int64_t{1} << 16;  // elements per task worth waking a thread
constexpr int64_t kColBlock = 256;             // inner positions per column task

float combine(int op, float s, float v) {
  if (op == 0) return s + v;
  if (v != v || s != s) return NAN;
  return op == 1 ? std::max(s, v) : std::min(s, v);
}

}  // namespace

void reduce(reduce_kind kind, const float* x, float* y, int64_t outer, int64_t axis, int64_t inner) {
  const int kk = static_cast<int>(kind);
  if (kk < 0 || kk > 3 || outer <= 0 || inner <= 0) return;
  const int op = kk <= 1 ? 0 : kk - 1;  // sum (and mean), max, min
  const int64_t count = outer * inner;
  if (axis <= 0) {
    const float v = kind == reduce_kind::sum ? 0.0f : kind == reduce_kind::mean ? NAN : kind == reduce_kind::max ? -INFINITY : INFINITY;
    std::fill(y, y + count, v);
    return;
  }
  const reduce_ukernels& t = get_reduce_config();
  const int64_t total = count * axis;
  const bool threaded = total >= 2 * kGrain;
  if (inner == 1) {
    const f32_reduce_rows_fn f = t.rows[op];
    if (threaded && outer < 2 * get_num_threads()) {
      // A few long rows: each row's axis in chunks, the partial results combined in order.
      const int64_t chunks = (axis + kGrain - 1) / kGrain;
      std::vector<float> part(static_cast<size_t>(chunks));
      for (int64_t r = 0; r < outer; ++r) {
        const float* xr = x + r * axis;
        parallel_for(chunks, [&](int64_t lo, int64_t hi) {
          for (int64_t c = lo; c < hi; ++c) {
            const int64_t a0 = c * kGrain;
            f(xr + a0, &part[static_cast<size_t>(c)], 1, std::min(axis, a0 + kGrain) - a0);
          }
        });
        float s = part[0];
        for (int64_t c = 1; c < chunks; ++c) s = combine(op, s, part[static_cast<size_t>(c)]);
        y[r] = s;
      }
    } else if (threaded) {
      parallel_for(outer, [&](int64_t lo, int64_t hi) { f(x + lo * axis, y + lo, hi - lo, axis); });
    } else {
      f(x, y, outer, axis);
    }
  } else {
    const f32_reduce_cols_fn f = t.cols[op];
    const int64_t blocks = (inner + kColBlock - 1) / kColBlock;
    auto tasks = [&](int64_t lo, int64_t hi) {
      for (int64_t task = lo; task < hi; ++task) {
        const int64_t o = task / blocks, i0 = (task % blocks) * kColBlock;
        f(x + o * axis * inner + i0, y + o * inner + i0, axis, inner, std::min(inner, i0 + kColBlock) - i0);
      }
    };
    if (threaded && outer * blocks > 1) {
      parallel_for(outer * blocks, tasks);
    } else {
      tasks(0, outer * blocks);
    }
  }
  if (kind == reduce_kind::mean) {
    const float n = static_cast<float>(axis);
    for (int64_t i = 0; i < count; ++i) y[i] /= n;
  }
}

void argmax(const float* x, int32_t* y, int64_t outer, int64_t axis, int64_t inner) {
  if (outer <= 0 || inner <= 0 || axis <= 0) return;
  const reduce_ukernels& t = get_reduce_config();
  const bool threaded = outer * inner * axis >= 2 * kGrain;
  if (inner == 1) {
    if (threaded && outer > 1) {
      parallel_for(outer, [&](int64_t lo, int64_t hi) { t.argmax_rows(x + lo * axis, y + lo, hi - lo, axis); });
    } else {
      t.argmax_rows(x, y, outer, axis);
    }
    return;
  }
  const int64_t blocks = (inner + kColBlock - 1) / kColBlock;
  auto tasks = [&](int64_t lo, int64_t hi) {
    for (int64_t task = lo; task < hi; ++task) {
      const int64_t o = task / blocks, i0 = (task % blocks) * kColBlock;
      const int64_t n = std::min(inner, i0 + kColBlock) - i0;
      const float* xo = x + o * axis * inner + i0;
      int32_t* yo = y + o * inner + i0;
      if (axis < (int64_t{1} << 24)) {
        t.argmax_cols(xo, yo, axis, inner, n);
      } else {  // indices past 2^24 are not exact in a float lane: the plain loop
        for (int64_t i = 0; i < n; ++i) yo[i] = argmax_col(xo + i, axis, inner);
      }
    }
  };
  if (threaded && outer * blocks > 1) {
    parallel_for(outer * blocks, tasks);
  } else {
    tasks(0, outer * blocks);
  }
}

}  // namespace convkit
