// Global average / max pooling: x [N, C, H, W] or [N, H, W, C] -> y [N, C]. The kernels come
// from the config (configs/pool2d-config.h). Tasks: NCHW ranges of (n, c) planes; NHWC images,
// or blocks of kNhwcBlock positions of them when an image is large (see global_pool_nhwc).
// Avg sums in float; when the thread's overflow flag went up during a task (util/fp-overflow.h),
// its channels whose mean came out Inf or NaN are recomputed in double (gavg_fix), so finite
// inputs near FLT_MAX keep a finite mean.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

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

// NHWC images of at least 2 kNhwcBlock positions are reduced in blocks of kNhwcBlock positions,
// one task each, then the blocks' results combined in order: a batch-1 image no longer runs on
// one thread, and each thread reads the rows the layer before wrote on it (EfficientNet's
// squeeze-and-excitation means follow a depthwise conv split by rows: on one thread, the other
// core's half cost 2-2.5x the 1-thread time on the VMs measured). The blocks depend on the shape
// alone, so the result is the same on any number of threads.
constexpr int64_t kNhwcBlock = 1024;

bool nhwc_in_blocks(layout data_layout, int64_t hw) { return data_layout == layout::nhwc && hw >= 2 * kNhwcBlock; }

// block(xs, len, ys) reduces len positions of xs (rows of `channels`) into ys [channels];
// combine(parts, blocks, lens, y) folds the blocks' results [blocks][channels] into y.
template <class Block, class Combine>
void global_pool_nhwc_blocks(int64_t batch, int64_t channels, int64_t hw, const float* x, float* y, Block block,
                             Combine combine) {
  const int64_t blocks = (hw + kNhwcBlock - 1) / kNhwcBlock;
  std::vector<float> parts(static_cast<size_t>(batch * blocks * channels));
  pool_for(batch * blocks, 4 * batch * channels * hw, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t n = t / blocks, i0 = t % blocks * kNhwcBlock;
      block(x + (n * hw + i0) * channels, std::min(kNhwcBlock, hw - i0), parts.data() + t * channels);
    }
  });
  for (int64_t n = 0; n < batch; ++n) combine(parts.data() + n * blocks * channels, blocks, y + n * channels);
}

}  // namespace

void global_avg_pool2d(int64_t batch, int64_t channels, int64_t height, int64_t width,
                       layout data_layout, const float* x, float* y) {
  const int64_t hw = height * width;
  const auto& k = get_pool2d_config().gavgpool;
  note_pool_path(k.path(data_layout));
  // One task's means over len positions: kernel over n channels of xs, redone in double where a
  // sum overflowed.
  auto task = [&](f32_gavgpool_fn kernel, const float* xs, int64_t n, int64_t cstep, int64_t istep, int64_t len,
                  float* ys) {
    const fp_overflow_watch overflow;
    kernel(xs, n, len, ys);
    if (overflow.raised()) gavg_fix(xs, n, cstep, istep, len, ys);
  };
  if (nhwc_in_blocks(data_layout, hw)) {
    // Each block's mean over its positions, then the mean of the means weighted by their
    // positions (a full block kNhwcBlock / hw, the last the rest).
    const double full = static_cast<double>(kNhwcBlock) / static_cast<double>(hw);
    const double last = static_cast<double>(hw - (hw - 1) / kNhwcBlock * kNhwcBlock) / static_cast<double>(hw);
    global_pool_nhwc_blocks(
        batch, channels, hw, x, y,
        [&](const float* xs, int64_t len, float* ys) { task(k.nhwc, xs, channels, 1, channels, len, ys); },
        [&](const float* parts, int64_t blocks, float* ys) {
          // In double: the weights sum to 1, but float roundings of means near FLT_MAX could not.
          for (int64_t c = 0; c < channels; ++c) {
            double s = 0.0;
            for (int64_t b = 0; b < blocks; ++b) s += static_cast<double>(parts[b * channels + c]) * (b + 1 < blocks ? full : last);
            ys[c] = static_cast<float>(s);
          }
        });
    return;
  }
  global_pool_for(
      batch, channels, hw, data_layout, [&](int64_t lo, int64_t hi) { task(k.nchw, x + lo * hw, hi - lo, hw, 1, hw, y + lo); },
      [&](int64_t n) { task(k.nhwc, x + n * hw * channels, channels, 1, channels, hw, y + n * channels); });
}

void global_max_pool2d(int64_t batch, int64_t channels, int64_t height, int64_t width,
                       layout data_layout, const float* x, float* y) {
  const int64_t hw = height * width;
  const auto& k = get_pool2d_config().gmaxpool;
  note_pool_path(k.path(data_layout));
  if (nhwc_in_blocks(data_layout, hw)) {
    global_pool_nhwc_blocks(
        batch, channels, hw, x, y, [&](const float* xs, int64_t len, float* ys) { k.nhwc(xs, channels, len, ys); },
        [&](const float* parts, int64_t blocks, float* ys) {
          // The kernel's max of the blocks' maxima: the same NaN rule as over the positions.
          k.nhwc(parts, channels, blocks, ys);
        });
    return;
  }
  global_pool_for(
      batch, channels, hw, data_layout, [&](int64_t lo, int64_t hi) { k.nchw(x + lo * hw, hi - lo, hw, y + lo); },
      [&](int64_t n) { k.nhwc(x + n * hw * channels, channels, hw, y + n * channels); });
}

}  // namespace convkit
