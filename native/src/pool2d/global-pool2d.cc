// Global average / max pooling: x [N, C, H, W] or [N, H, W, C] -> y [N, C]. The kernels come
// from the config (configs/pool2d-config.h). Tasks: NCHW ranges of (n, c) planes, NHWC images.
// Avg sums in float; when the thread's overflow flag went up during a task (util/fp-overflow.h),
// its channels whose mean came out Inf or NaN are recomputed in double (gavg_fix), so finite
// inputs near FLT_MAX keep a finite mean.
#include <cmath>
#include <cstdint>

#include "configs/pool2d-config.h"
#include "convkit/last-path.h"
#include "convkit/pool2d.h"
#include "pool2d/pool-for.h"
#include "util/fp-overflow.h"

namespace convkit {
namespace {

// y[c] for c < n, the mean of x[c*cstep + i*istep] over i < hw, recomputed in double where
// the float sum gave Inf or NaN.
void gavg_fix(const float* x, int64_t n, int64_t cstep, int64_t istep, int64_t hw, float* y) {
  for (int64_t c = 0; c < n; ++c) {
    if (std::isfinite(y[c])) continue;
    double s = 0.0;
    for (int64_t i = 0; i < hw; ++i) s += x[c * cstep + i * istep];
    y[c] = static_cast<float>(s / static_cast<double>(hw));
  }
}

// The tasks of both ops: NCHW ranges [lo, hi) of (n, c) planes, passed to nchw(lo, hi); NHWC
// one image n at a time, passed to nhwc(n).
template <class Nchw, class Nhwc>
void global_pool_for(int64_t batch, int64_t channels, int64_t hw, layout data_layout, Nchw nchw, Nhwc nhwc) {
  const int64_t bytes = 4 * batch * channels * (hw + 1);
  if (data_layout == layout::nchw) {
    pool_for(batch * channels, bytes, [&](int64_t lo, int64_t hi) { nchw(lo, hi); });
  } else {
    pool_for(batch, bytes, [&](int64_t lo, int64_t hi) {
      for (int64_t n = lo; n < hi; ++n) nhwc(n);
    });
  }
}

}  // namespace

void global_avg_pool2d(int64_t batch, int64_t channels, int64_t height, int64_t width,
                       layout data_layout, const float* x, float* y) {
  const int64_t hw = height * width;
  const auto& k = get_pool2d_config().gavgpool;
  note_pool_path(k.path(data_layout));
  // One task's means: kernel over n channels of xs, redone in double where a sum overflowed.
  auto task = [&](f32_gavgpool_fn kernel, const float* xs, int64_t n, int64_t cstep, int64_t istep, float* ys) {
    const fp_overflow_watch overflow;
    kernel(xs, n, hw, ys);
    if (overflow.raised()) gavg_fix(xs, n, cstep, istep, hw, ys);
  };
  global_pool_for(
      batch, channels, hw, data_layout, [&](int64_t lo, int64_t hi) { task(k.nchw, x + lo * hw, hi - lo, hw, 1, y + lo); },
      [&](int64_t n) { task(k.nhwc, x + n * hw * channels, channels, 1, channels, y + n * channels); });
}

void global_max_pool2d(int64_t batch, int64_t channels, int64_t height, int64_t width,
                       layout data_layout, const float* x, float* y) {
  const int64_t hw = height * width;
  const auto& k = get_pool2d_config().gmaxpool;
  note_pool_path(k.path(data_layout));
  global_pool_for(
      batch, channels, hw, data_layout, [&](int64_t lo, int64_t hi) { k.nchw(x + lo * hw, hi - lo, hw, y + lo); },
      [&](int64_t n) { k.nhwc(x + n * hw * channels, channels, hw, y + n * channels); });
}

}  // namespace convkit
