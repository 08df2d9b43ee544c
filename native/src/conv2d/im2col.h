// Shared by the conv2d drivers: im2col / col2im of a tile of output positions (backward),
// the tile-size rule and the task runner (backward, pointwise forward). Internal to
// native/src/conv2d.
// Per group g (Cin_g = Cin/G, Kd = Cin_g*KH*KW), for output positions [p0, p0+pt):
//   NCHW col [Kd, pt]: row (ci, kh, kw), column = position      (x_ng = image n, group g)
//   NHWC col [pt, Kd]: row = position, column (kh, kw, ci)      (x_n = image n, all channels)
// A tap that falls in the padding reads as 0 (im2col) and is dropped (col2im).
#pragma once
#include <algorithm>
#include <cstdint>

#include "convkit/conv2d.h"
#include "convkit/parallel.h"
#include "util/workspace.h"

namespace convkit {

constexpr int64_t kColBudgetFloats = int64_t{1} << 19;  // 2 MB of col per thread
constexpr int64_t kMinTile = 32;
constexpr int64_t kMinSplitTile = 192;  // shortest tile made only to feed threads

// This thread's col buffer (grow-only, reused across calls).
workspace& col_workspace();

// 1x1, stride 1, no padding: x (NCHW per image and group, or NHWC over all images) is
// already the col matrix, so the convolution is one GEMM.
inline bool is_pointwise(const conv2d_params& p) {
  return p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1 &&
         p.pad_top == 0 && p.pad_bottom == 0 && p.pad_left == 0 && p.pad_right == 0;
}

// Output positions q (of one output row) whose input column q*stride + off lies in
// [0, width): returns [lo, hi) clipped to [q0, q1).
inline void valid_range(int64_t q0, int64_t q1, int64_t stride, int64_t off, int64_t width,
                        int64_t* lo, int64_t* hi) {
  const int64_t first = off >= 0 ? 0 : (-off + stride - 1) / stride;
  const int64_t last = width - 1 - off < 0 ? 0 : (width - 1 - off) / stride + 1;  // exclusive
  *lo = std::clamp(first, q0, q1);
  *hi = std::clamp(last, *lo, q1);
}

// Calls f(kh, kw, ih, iw) for the taps of output (oh, ow) that read inside the input, kh then
// kw ascending: (ih, iw) the input cell the tap reads (taps in the padding are skipped).
template <class F>
inline void for_each_input_tap(const conv2d_params& p, int64_t oh, int64_t ow, F f) {
  for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
    const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
    if (ih < 0 || ih >= p.in_height) continue;
    for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
      const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
      if (iw < 0 || iw >= p.in_width) continue;
      f(kh, kw, ih, iw);
    }
  }
}

// col [Kd, pt] <- x_ng [Cin_g, H, W].
void im2col_nchw(const conv2d_params& p, const float* x_ng, int64_t p0, int64_t pt, float* col);
// col [pt, Kd] <- x_n [H, W, Cin], channels [g*Cin_g, (g+1)*Cin_g).
void im2col_nhwc(const conv2d_params& p, const float* x_n, int64_t g, int64_t p0, int64_t pt,
                 float* col);
// dx_ng [Cin_g, H, W] += col [Kd, pt], only the rows of channels [ci_lo, ci_hi).
void col2im_nchw(const conv2d_params& p, const float* col, int64_t p0, int64_t pt, float* dx_ng,
                 int64_t ci_lo, int64_t ci_hi);
// dx_n [H, W, Cin] (group g's channels) += col [pt, Kd], only channels [c_lo, c_hi) of Cin_g.
void col2im_nhwc(const conv2d_params& p, const float* col, int64_t g, int64_t p0, int64_t pt,
                 float* dx_n, int64_t c_lo, int64_t c_hi);

// Splits `positions` output positions into tiles: at most `budget` floats of col
// ([kd, tile]) each, and enough tiles overall (with `outer` independent images x groups)
// to feed the threads.
int64_t tile_size(int64_t positions, int64_t kd, int64_t outer, int64_t threads,
                  int64_t budget = kColBudgetFloats);

// Runs task(t) for t in [0, tasks): across threads when there are enough tasks (two per
// thread; each task's GEMM then runs single-threaded, as parallel_for inlines when nested) or
// when each task's GEMM would not split over the threads anyway (each_splits false: one after
// another they all ran on the calling thread; a 56x56 256 -> 64 1x1 conv on 16 threads, 16 tiles
// of 196 positions, ran at its 1-thread speed, 1.08 ms against 1.03); otherwise one after
// another so each GEMM can use the threads itself.
template <class F>
void run_tasks(int64_t tasks, int64_t threads, bool each_splits, F task) {
  if (threads > 1 && tasks > 1 && (tasks >= 2 * threads || !each_splits)) {
    parallel_for(tasks, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) task(t);
    });
  } else {
    for (int64_t t = 0; t < tasks; ++t) task(t);
  }
}

}  // namespace convkit
