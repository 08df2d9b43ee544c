// Pooling over clamped windows (pool2d-clamped.h). The row-buffer kernels size their scratch
// by the padded row and the window span, and the portable loops step over every kernel
// column, valid or not: fine while those stay near the input, but a [9, 9] input with kernel
// 2^31 - 1 asked for gigabytes and 2^31 iterations per row. Beyond compact_geometry these
// loops take over. Results: max as max_pool2d_ref; avg summed in double (exact up to the
// final rounding however large the finite inputs).
#include "pool2d/pool2d-clamped.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "pool2d/pool-for.h"
#include "pool2d/pool-window.h"
#include "pool2d/ukernel/pool-scalar-common.h"
#include "util/window.h"

namespace convkit {
namespace {

// Whether one axis stays near the input. The span is (k-1)*d + 1 with k, d < 2^31: it fits
// int64, but check anyway (the info object comes from JS).
bool axis_compact(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pa) {
  const int64_t limit = 4 * in + 64;
  int64_t span;
  if (__builtin_mul_overflow(k - 1, d, &span) || span + 1 > limit) return false;
  return pb <= limit && pa <= limit && s <= limit;
}

// Element strides of (n, c, h, w) in x (in = true) or y.
struct strides4 {
  int64_t n, c, h, w;
};
strides4 strides_of(const pool2d_params& p, bool in) {
  const int64_t C = p.channels, H = in ? p.in_height : p.out_height, W = in ? p.in_width : p.out_width;
  if (p.data_layout == layout::nhwc) return {H * W * C, 1, W * C, C};
  return {C * H * W, H * W, W, 1};
}

// Output (oh, ow)'s window: valid taps [kh0, kh1) x [kw0, kw1) and the avg divisor.
struct clamped_window {
  int64_t kh0, kh1, kw0, kw1, ih0, iw0;  // input cell of tap (kh, kw): ih0 + kh*dh, iw0 + kw*dw
  int64_t div;                           // avg: PyTorch's divisor (0: none)
};
clamped_window window_at(const pool2d_params& p, int64_t oh, int64_t ow) {
  clamped_window cw{};
  cw.ih0 = oh * p.stride_h - p.pad_top;
  cw.iw0 = ow * p.stride_w - p.pad_left;
  const tap_span r = valid_taps(cw.ih0, p.dilation_h, p.kernel_h, p.in_height);
  const tap_span c = valid_taps(cw.iw0, p.dilation_w, p.kernel_w, p.in_width);
  cw.kh0 = r.lo, cw.kh1 = r.hi, cw.kw0 = c.lo, cw.kw1 = c.hi;
  if (p.count_include_pad) {  // spans <= 2^32 each: the product fits int64
    const axis_window rs = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, p.in_height);
    const axis_window cs = avg_window(ow, p.stride_w, p.pad_left, p.pad_right, p.kernel_w, p.in_width);
    cw.div = rs.span * cs.span;
  } else {
    cw.div = (cw.kh1 - cw.kh0) * (cw.kw1 - cw.kw0);
  }
  return cw;
}

// Mean of output (oh, ow)'s window of one channel, summed in double: the exact answer (up to
// the final rounding) however large the finite inputs. base: the channel's (0, 0) cell.
float avg_exact(const pool2d_params& p, const float* base, const strides4& xs, int64_t oh, int64_t ow) {
  const clamped_window cw = window_at(p, oh, ow);
  if (cw.div <= 0) return 0.0f;
  double s = 0.0;
  for (int64_t kh = cw.kh0; kh < cw.kh1; ++kh) {
    const float* row = base + (cw.ih0 + kh) * xs.h;
    for (int64_t kw = cw.kw0; kw < cw.kw1; ++kw) s += row[(cw.iw0 + kw) * xs.w];
  }
  return static_cast<float>(s / static_cast<double>(cw.div));
}

// Forward over clamped windows: tasks are (n, oh) rows of every channel.
template <bool kMax>
void pool_clamped(const pool2d_params& p, const float* x, float* y) {
  const int64_t C = p.channels, OH = p.out_height, OW = p.out_width;
  const strides4 xs = strides_of(p, true), ys = strides_of(p, false);
  pool_for(p.batch * OH, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t n = t / OH, oh = t % OH;
      for (int64_t ow = 0; ow < OW; ++ow) {
        const clamped_window cw = window_at(p, oh, ow);
        for (int64_t c = 0; c < C; ++c) {
          const float* base = x + n * xs.n + c * xs.c;
          float* yv = y + n * ys.n + c * ys.c + oh * ys.h + ow * ys.w;
          if (!kMax) {
            *yv = avg_exact(p, base, xs, oh, ow);
            continue;
          }
          float best = kPoolNegInf;
          for (int64_t kh = cw.kh0; kh < cw.kh1; ++kh) {
            const float* row = base + (cw.ih0 + kh * p.dilation_h) * xs.h;
            for (int64_t kw = cw.kw0; kw < cw.kw1; ++kw) {
              best = max_nan(best, row[(cw.iw0 + kw * p.dilation_w) * xs.w]);
            }
          }
          *yv = best;
        }
      }
    }
  });
}

// Backward over clamped windows: tasks are (n, c) planes (they own disjoint dx cells in
// either layout); windows in output scan order, taps in scan order (first maximum wins).
template <bool kMax>
void pool_backward_clamped(const pool2d_params& p, const float* dy, const float* x, float* dx) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const strides4 xs = strides_of(p, true), ys = strides_of(p, false);
  pool_for(p.batch * C, max_bwd_bytes(p), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t n = t / C, c = t % C;
      const int64_t xb = n * xs.n + c * xs.c, yb = n * ys.n + c * ys.c;
      for (int64_t ih = 0; ih < H; ++ih) {
        for (int64_t iw = 0; iw < W; ++iw) dx[xb + ih * xs.h + iw * xs.w] = 0.0f;
      }
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          const clamped_window cw = window_at(p, oh, ow);
          const float g = dy[yb + oh * ys.h + ow * ys.w];
          if (!kMax) {
            if (cw.div <= 0) continue;
            const float gd = g / static_cast<float>(cw.div);
            for (int64_t kh = cw.kh0; kh < cw.kh1; ++kh) {
              for (int64_t kw = cw.kw0; kw < cw.kw1; ++kw) dx[xb + (cw.ih0 + kh) * xs.h + (cw.iw0 + kw) * xs.w] += gd;
            }
            continue;
          }
          int64_t arg = -1;
          float best = kPoolNegInf;
          for (int64_t kh = cw.kh0; kh < cw.kh1; ++kh) {
            for (int64_t kw = cw.kw0; kw < cw.kw1; ++kw) {
              const int64_t i = xb + (cw.ih0 + kh * p.dilation_h) * xs.h + (cw.iw0 + kw * p.dilation_w) * xs.w;
              if (takes_max(arg < 0, x[i], best)) {
                best = x[i];
                arg = i;
              }
            }
          }
          if (arg >= 0) dx[arg] += g;
        }
      }
    }
  });
}

}  // namespace

bool compact_geometry(const pool2d_params& p) {
  return axis_compact(p.in_height, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, p.pad_bottom) &&
         axis_compact(p.in_width, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, p.pad_right);
}

void max_pool2d_clamped(const pool2d_params& p, const float* x, float* y) { pool_clamped<true>(p, x, y); }
void avg_pool2d_clamped(const pool2d_params& p, const float* x, float* y) { pool_clamped<false>(p, x, y); }
void max_pool2d_backward_clamped(const pool2d_params& p, const float* dy, const float* x, float* dx) {
  pool_backward_clamped<true>(p, dy, x, dx);
}
void avg_pool2d_backward_clamped(const pool2d_params& p, const float* dy, float* dx) {
  pool_backward_clamped<false>(p, dy, nullptr, dx);
}

void avg_fix_plane(const pool2d_params& p, const float* xc, float* yc) {
  const int64_t OH = p.out_height, OW = p.out_width;
  const strides4 xs = strides_of(p, true);
  for (int64_t i = 0; i < OH * OW; ++i) {
    if (!std::isfinite(yc[i])) yc[i] = avg_exact(p, xc, xs, i / OW, i % OW);
  }
}

void avg_fix_row_nhwc(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow) {
  const int64_t C = p.channels, OW = p.out_width;
  const strides4 xs = strides_of(p, true);
  for (int64_t i = 0; i < OW * C; ++i) {
    if (!std::isfinite(yrow[i])) yrow[i] = avg_exact(p, x_n + i % C, xs, oh, i / C);
  }
}

}  // namespace convkit
