// Pooling: one pass, vectorized across the contiguous dimension.
//   NCHW: a task per (n, c) plane; each kernel tap folds a shifted input row into the
//         output row (contiguous over W when stride_w == 1).
//   NHWC: a task per (n, oh) row; each tap folds a channel vector into the output vector.
// Max: padded cells never win (-inf start); NaN wins and stays, like PyTorch.
// Avg (dilation 1): PyTorch's divisor. Along one axis, start = o*s - pad_before,
//   end = min(start + k, in + pad_after); with count_include_pad the divisor is
//   (end_h - start_h) * (end_w - start_w) taken BEFORE clipping to [0, in), without it
//   the number of real cells.
// Backward: the same tasks (planes for NCHW; images x channel blocks for NHWC), so no two
// threads write the same dx cell, and each cell sums its windows in output scan order.
// AVX-512: separable row-buffer kernels (ukernel/f32-maxpool-*, f32-avgpool-*); their backward
// passes write every dx cell once (avg: per input row; max 2x2/2: per window). Max backward
// for other windows zeroes each dx row when the first window reaches it, then adds the
// winners' dy in output scan order (the reference's summation order), vectorized over output
// columns (NCHW) or channels (NHWC).
// Threads: pool_for gives each thread at least kMinBytesPerThread of traffic; less work
// stays on the calling thread (waking a pool worker costs more than it saves).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <vector>

#include "convkit/isa.h"
#include "convkit/last-path.h"
#include "convkit/parallel.h"
#include "convkit/pool2d.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Handing a chunk to a pool worker cost 57-112 us (median of parallel_for(2) on empty
// chunks, 2-vCPU machine under load) and the kernels move 25-60 GB/s per core, so a share
// under ~2 MiB (~50 us of work) costs more to hand out than it saves.
constexpr int64_t kMinBytesPerThread = int64_t{2} << 20;

// parallel_for over n tasks moving `bytes` bytes in all, on at most bytes /
// kMinBytesPerThread threads; inline when that is one.
void pool_for(int64_t n, int64_t bytes, const std::function<void(int64_t, int64_t)>& fn) {
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

int64_t fwd_bytes(const pool2d_params& p) {
  return 4 * p.batch * p.channels * (p.in_height * p.in_width + p.out_height * p.out_width);
}

inline float max_nan(float best, float v) { return (v > best || v != v) ? v : best; }

// Window bounds of output o along one axis: [lo, hi) clipped to the input, and the
// count_include_pad span.
struct axis_window {
  int64_t lo, hi, span;
};
axis_window avg_window(int64_t o, int64_t stride, int64_t pad_before, int64_t pad_after,
                       int64_t kernel, int64_t size) {
  const int64_t start = o * stride - pad_before;
  const int64_t end = std::min(start + kernel, size + pad_after);
  return {std::max<int64_t>(start, 0), std::min(end, size), end - start};
}

// Output columns ow whose input column ow*stride + off is in [0, width): [lo, hi).
void valid_cols(int64_t out_w, int64_t stride, int64_t off, int64_t width, int64_t* lo,
                int64_t* hi) {
  const int64_t first = off >= 0 ? 0 : (-off + stride - 1) / stride;
  const int64_t last = width - 1 - off < 0 ? 0 : (width - 1 - off) / stride + 1;
  *lo = std::min(first, out_w);
  *hi = std::clamp(last, *lo, out_w);
}

constexpr int64_t kChannelBlock = 64;  // NHWC backward: channels per task

// Max backward reads dy and x, writes dx.
int64_t max_bwd_bytes(const pool2d_params& p) {
  return fwd_bytes(p) + 4 * p.batch * p.channels * p.in_height * p.in_width;
}

// The first maximum of a scan, a NaN counting as the maximum (the first NaN wins).
inline bool takes_max(bool first, float v, float best) { return first || v > best || (v != v && best == best); }

// ---- Extreme geometries (kernel, padding, stride or dilation up to 2^31 - 1) ----
// The row-buffer kernels size their scratch by the padded row and the window span, and the
// loops below step over every tap, valid or not: fine while those stay near the input, but a
// [9, 9] input with kernel 2^31 - 1 asked for gigabytes and 2^31 iterations per row. Beyond
// kGeometrySlack (a multiple of the input) the clamped loops take over: each window's valid
// taps are computed, not searched, so time is O(output x valid taps) and nothing is allocated.

// Taps t in [*lo, *hi) of a window starting at `start` (may be negative), `k` taps `dil`
// apart, that land in [0, size). start, k, dil < 2^32 here, so start + k*dil fits int64.
void tap_range(int64_t start, int64_t dil, int64_t k, int64_t size, int64_t* lo, int64_t* hi) {
  if (start >= size) {
    *lo = *hi = 0;
    return;
  }
  const int64_t first = start >= 0 ? 0 : (-start + dil - 1) / dil;
  const int64_t last = std::min(k, (size - 1 - start) / dil + 1);
  *lo = std::min(first, last);
  *hi = last;
}

// Whether one axis stays near the input: window span, paddings and stride at most a few
// input lengths. The span is (k-1)*d + 1 with k, d < 2^31: it fits int64, but check anyway
// (the info object comes from JS).
bool axis_compact(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pa) {
  const int64_t limit = 4 * in + 64;
  int64_t span;
  if (__builtin_mul_overflow(k - 1, d, &span) || span + 1 > limit) return false;
  return pb <= limit && pa <= limit && s <= limit;
}

// The fast kernels' scratch and tap loops are O(input + output) for these geometries.
bool compact_geometry(const pool2d_params& p) {
  return axis_compact(p.in_height, p.kernel_h, p.stride_h, p.dilation_h, p.pad_top, p.pad_bottom) &&
         axis_compact(p.in_width, p.kernel_w, p.stride_w, p.dilation_w, p.pad_left, p.pad_right);
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
  tap_range(cw.ih0, p.dilation_h, p.kernel_h, p.in_height, &cw.kh0, &cw.kh1);
  tap_range(cw.iw0, p.dilation_w, p.kernel_w, p.in_width, &cw.kw0, &cw.kw1);
  if (p.count_include_pad) {  // spans <= 2^32 each: the product fits int64
    const axis_window r = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, p.in_height);
    const axis_window c = avg_window(ow, p.stride_w, p.pad_left, p.pad_right, p.kernel_w, p.in_width);
    cw.div = r.span * c.span;
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

// Whether any of y[0, n) is Inf or NaN (|bits| above FLT_MAX's): the scan of the portable
// kernels' outputs (the AVX-512 kernels track it as they store). The core is built for
// baseline x86-64 (SSE2), where a signed compare-and-or vectorizes and an unsigned max does not.
bool any_nonfinite(const float* y, int64_t n) {
  int32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    int32_t u;
    std::memcpy(&u, y + i, 4);
    bad |= static_cast<int32_t>((u & 0x7fffffff) > 0x7f7fffff);
  }
  return bad != 0;
}

// Avg fix-up. The kernels sum in float, so finite inputs near FLT_MAX can sum to Inf where the
// mean is finite. Once a task has written its outputs (still in cache), the non-finite ones
// are recomputed in double from their windows: inputs that hold Inf or NaN get the same Inf /
// NaN back, overflowed sums their finite mean. The AVX-512 kernels report whether they wrote
// a non-finite output (no extra pass when none did); the portable ones cost one scan
// (any_nonfinite; the avg_fixup_* wrappers).
// NCHW: x plane xc, y plane yc [OH, OW].
void avg_fix_plane(const pool2d_params& p, const float* xc, float* yc) {
  const int64_t OH = p.out_height, OW = p.out_width;
  const strides4 xs = strides_of(p, true);
  for (int64_t i = 0; i < OH * OW; ++i) {
    if (!std::isfinite(yc[i])) yc[i] = avg_exact(p, xc, xs, i / OW, i % OW);
  }
}
// NHWC: output row oh of image x_n, yrow [OW, C].
void avg_fix_row_nhwc(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow) {
  const int64_t C = p.channels, OW = p.out_width;
  const strides4 xs = strides_of(p, true);
  for (int64_t i = 0; i < OW * C; ++i) {
    if (!std::isfinite(yrow[i])) yrow[i] = avg_exact(p, x_n + i % C, xs, oh, i / C);
  }
}
void avg_fixup_plane(const pool2d_params& p, const float* xc, float* yc) {
  if (any_nonfinite(yc, p.out_height * p.out_width)) avg_fix_plane(p, xc, yc);
}
void avg_fixup_row_nhwc(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow) {
  if (any_nonfinite(yrow, p.out_width * p.channels)) avg_fix_row_nhwc(p, x_n, oh, yrow);
}

// Forward over clamped windows, any geometry: tasks are (n, oh) rows of every channel.
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
          float best = kNegInf;
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
          float best = kNegInf;
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

void max_pool_nchw(const pool2d_params& p, const float* x, float* y) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  pool_for(p.batch * p.channels, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const float* xc = x + t * H * W;
      float* yc = y + t * OH * OW;
      for (int64_t oh = 0; oh < OH; ++oh) {
        float* yrow = yc + oh * OW;
        std::fill(yrow, yrow + OW, kNegInf);
        for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
          const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
          if (ih < 0 || ih >= H) continue;
          const float* xrow = xc + ih * W;
          for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
            const int64_t off = kw * p.dilation_w - p.pad_left;
            int64_t a, b;
            valid_cols(OW, p.stride_w, off, W, &a, &b);
            if (p.stride_w == 1) {
              for (int64_t ow = a; ow < b; ++ow) yrow[ow] = max_nan(yrow[ow], xrow[ow + off]);
            } else {
              for (int64_t ow = a; ow < b; ++ow) {
                yrow[ow] = max_nan(yrow[ow], xrow[ow * p.stride_w + off]);
              }
            }
          }
        }
      }
    }
  });
}

void max_pool_nhwc(const pool2d_params& p, const float* x, float* y) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OH = p.out_height,
                OW = p.out_width;
  pool_for(p.batch * OH, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t n = t / OH, oh = t % OH;
      for (int64_t ow = 0; ow < OW; ++ow) {
        float* yv = y + (t * OW + ow) * C;
        std::fill(yv, yv + C, kNegInf);
        for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
          const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
          if (ih < 0 || ih >= H) continue;
          for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
            const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
            if (iw < 0 || iw >= W) continue;
            const float* xv = x + ((n * H + ih) * W + iw) * C;
            for (int64_t c = 0; c < C; ++c) yv[c] = max_nan(yv[c], xv[c]);
          }
        }
      }
    }
  });
}

void avg_pool_nchw(const pool2d_params& p, const float* x, float* y) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  std::vector<axis_window> cols(static_cast<size_t>(OW));
  for (int64_t ow = 0; ow < OW; ++ow) {
    cols[ow] = avg_window(ow, p.stride_w, p.pad_left, p.pad_right, p.kernel_w, W);
  }
  pool_for(p.batch * p.channels, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
    std::vector<float> inv(static_cast<size_t>(OW));
    for (int64_t t = lo; t < hi; ++t) {
      const float* xc = x + t * H * W;
      float* yc = y + t * OH * OW;
      for (int64_t oh = 0; oh < OH; ++oh) {
        const axis_window rw = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, H);
        float* yrow = yc + oh * OW;
        std::fill(yrow, yrow + OW, 0.0f);
        for (int64_t ih = rw.lo; ih < rw.hi; ++ih) {
          const float* xrow = xc + ih * W;
          for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
            const int64_t off = kw - p.pad_left;
            int64_t a, b;
            valid_cols(OW, p.stride_w, off, W, &a, &b);
            // iw = start + kw < start + kernel: a valid column is always inside its window.
            if (p.stride_w == 1) {
              for (int64_t ow = a; ow < b; ++ow) yrow[ow] += xrow[ow + off];
            } else {
              for (int64_t ow = a; ow < b; ++ow) yrow[ow] += xrow[ow * p.stride_w + off];
            }
          }
        }
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t div = p.count_include_pad ? rw.span * cols[ow].span
                                                  : (rw.hi - rw.lo) * (cols[ow].hi - cols[ow].lo);
          inv[ow] = div > 0 ? 1.0f / static_cast<float>(div) : 0.0f;
        }
        for (int64_t ow = 0; ow < OW; ++ow) yrow[ow] *= inv[ow];
      }
      avg_fixup_plane(p, xc, yc);
    }
  });
}

void avg_pool_nhwc(const pool2d_params& p, const float* x, float* y) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OH = p.out_height,
                OW = p.out_width;
  pool_for(p.batch * OH, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t n = t / OH, oh = t % OH;
      const axis_window rw = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, H);
      for (int64_t ow = 0; ow < OW; ++ow) {
        const axis_window cw = avg_window(ow, p.stride_w, p.pad_left, p.pad_right, p.kernel_w, W);
        float* yv = y + (t * OW + ow) * C;
        std::fill(yv, yv + C, 0.0f);
        for (int64_t ih = rw.lo; ih < rw.hi; ++ih) {
          for (int64_t iw = cw.lo; iw < cw.hi; ++iw) {
            const float* xv = x + ((n * H + ih) * W + iw) * C;
            for (int64_t c = 0; c < C; ++c) yv[c] += xv[c];
          }
        }
        const int64_t div = p.count_include_pad ? rw.span * cw.span
                                                 : (rw.hi - rw.lo) * (cw.hi - cw.lo);
        const float inv = div > 0 ? 1.0f / static_cast<float>(div) : 0.0f;
        for (int64_t c = 0; c < C; ++c) yv[c] *= inv;
      }
      avg_fixup_row_nhwc(p, x + n * H * W * C, oh, y + t * OW * C);
    }
  });
}

void max_pool_backward_nchw(const pool2d_params& p, const float* dy, const float* x, float* dx) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  pool_for(p.batch * p.channels, max_bwd_bytes(p), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const float* xc = x + t * H * W;
      const float* dyc = dy + t * OH * OW;
      float* dxc = dx + t * H * W;
      std::fill(dxc, dxc + H * W, 0.0f);
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          int64_t arg = -1;
          float best = kNegInf;
          for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
            const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
            if (ih < 0 || ih >= H) continue;
            for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
              const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
              if (iw < 0 || iw >= W) continue;
              const float v = xc[ih * W + iw];
              if (takes_max(arg < 0, v, best)) {
                best = v;
                arg = ih * W + iw;
              }
            }
          }
          if (arg >= 0) dxc[arg] += dyc[oh * OW + ow];
        }
      }
    }
  });
}

void max_pool_backward_nhwc(const pool2d_params& p, const float* dy, const float* x, float* dx) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OH = p.out_height,
                OW = p.out_width;
  const int64_t blocks = (C + kChannelBlock - 1) / kChannelBlock;
  pool_for(p.batch * blocks, max_bwd_bytes(p), [&](int64_t lo, int64_t hi) {
    float best[kChannelBlock];
    int64_t arg[kChannelBlock];  // input pixel ih*W + iw of the window's maximum, -1: none
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t n = t / blocks, c0 = (t % blocks) * kChannelBlock;
      const int64_t nc = std::min(kChannelBlock, C - c0);
      const float* x_n = x + n * H * W * C + c0;
      float* dx_n = dx + n * H * W * C + c0;
      for (int64_t q = 0; q < H * W; ++q) std::fill_n(dx_n + q * C, nc, 0.0f);
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          std::fill_n(arg, nc, int64_t{-1});
          std::fill_n(best, nc, kNegInf);
          for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
            const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
            if (ih < 0 || ih >= H) continue;
            for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
              const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
              if (iw < 0 || iw >= W) continue;
              const int64_t q = ih * W + iw;
              const float* xv = x_n + q * C;
              for (int64_t c = 0; c < nc; ++c) {
                if (takes_max(arg[c] < 0, xv[c], best[c])) {
                  best[c] = xv[c];
                  arg[c] = q;
                }
              }
            }
          }
          const float* dyv = dy + ((n * OH + oh) * OW + ow) * C + c0;
          for (int64_t c = 0; c < nc; ++c) {
            if (arg[c] >= 0) dx_n[arg[c] * C + c] += dyv[c];
          }
        }
      }
    }
  });
}

void avg_pool_backward_nchw(const pool2d_params& p, const float* dy, float* dx) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  std::vector<axis_window> cols(static_cast<size_t>(OW));
  for (int64_t ow = 0; ow < OW; ++ow) {
    cols[ow] = avg_window(ow, p.stride_w, p.pad_left, p.pad_right, p.kernel_w, W);
  }
  pool_for(p.batch * p.channels, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const float* dyc = dy + t * OH * OW;
      float* dxc = dx + t * H * W;
      std::fill(dxc, dxc + H * W, 0.0f);
      for (int64_t oh = 0; oh < OH; ++oh) {
        const axis_window rw = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, H);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const axis_window& cw = cols[ow];
          const int64_t div = p.count_include_pad ? rw.span * cw.span
                                                   : (rw.hi - rw.lo) * (cw.hi - cw.lo);
          if (div <= 0) continue;
          const float g = dyc[oh * OW + ow] / static_cast<float>(div);
          for (int64_t ih = rw.lo; ih < rw.hi; ++ih) {
            float* dxrow = dxc + ih * W;
            for (int64_t iw = cw.lo; iw < cw.hi; ++iw) dxrow[iw] += g;
          }
        }
      }
    }
  });
}

void avg_pool_backward_nhwc(const pool2d_params& p, const float* dy, float* dx) {
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OH = p.out_height,
                OW = p.out_width;
  const int64_t blocks = (C + kChannelBlock - 1) / kChannelBlock;
  pool_for(p.batch * blocks, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
    float g[kChannelBlock];
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t n = t / blocks, c0 = (t % blocks) * kChannelBlock;
      const int64_t nc = std::min(kChannelBlock, C - c0);
      float* dx_n = dx + n * H * W * C + c0;
      for (int64_t q = 0; q < H * W; ++q) std::fill_n(dx_n + q * C, nc, 0.0f);
      for (int64_t oh = 0; oh < OH; ++oh) {
        const axis_window rw = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, H);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const axis_window cw = avg_window(ow, p.stride_w, p.pad_left, p.pad_right, p.kernel_w, W);
          const int64_t div = p.count_include_pad ? rw.span * cw.span
                                                   : (rw.hi - rw.lo) * (cw.hi - cw.lo);
          if (div <= 0) continue;
          const float fdiv = static_cast<float>(div);
          const float* dyv = dy + ((n * OH + oh) * OW + ow) * C + c0;
          for (int64_t c = 0; c < nc; ++c) g[c] = dyv[c] / fdiv;
          for (int64_t ih = rw.lo; ih < rw.hi; ++ih) {
            for (int64_t iw = cw.lo; iw < cw.hi; ++iw) {
              float* d = dx_n + (ih * W + iw) * C;
              for (int64_t c = 0; c < nc; ++c) d[c] += g[c];
            }
          }
        }
      }
    }
  });
}

#if defined(__x86_64__) || defined(_M_X64)
#define CONVKIT_HAS_POOL_KERNELS 1

bool use_avx512() { return active_isa() == isa::avx512; }

// A per-thread scratch buffer of at least n floats (row buffers of the kernels).
float* scratch(int64_t n) {
  thread_local std::vector<float> buf;
  if (static_cast<int64_t>(buf.size()) < n) buf.resize(static_cast<size_t>(n));
  return buf.data();
}

// The avg tables of ukernels.h: reciprocal divisors (one row per distinct row divisor) and,
// for the backward, the output columns each input column receives.
struct avg_tables {
  std::vector<float> inv;
  std::vector<int32_t> row_of, col_lo, col_cnt;
  int32_t max_cnt = 0;

  explicit avg_tables(const pool2d_params& p, bool backward) {
    const int64_t OH = p.out_height, OW = p.out_width;
    std::vector<float> cdiv(static_cast<size_t>(OW)), rdivs;
    for (int64_t ow = 0; ow < OW; ++ow) {
      const axis_window a = avg_window(ow, p.stride_w, p.pad_left, p.pad_right, p.kernel_w, p.in_width);
      cdiv[ow] = static_cast<float>(p.count_include_pad ? a.span : a.hi - a.lo);
    }
    row_of.resize(static_cast<size_t>(OH));
    for (int64_t oh = 0; oh < OH; ++oh) {
      const axis_window a = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, p.in_height);
      const float r = static_cast<float>(p.count_include_pad ? a.span : a.hi - a.lo);
      size_t k = 0;
      while (k < rdivs.size() && rdivs[k] != r) ++k;
      if (k == rdivs.size()) {
        rdivs.push_back(r);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const float d = r * cdiv[ow];
          inv.push_back(d > 0.0f ? 1.0f / d : 0.0f);
        }
      }
      row_of[oh] = static_cast<int32_t>(k);
    }
    if (!backward) return;
    const int64_t W = p.in_width;
    col_lo.resize(static_cast<size_t>(W));
    col_cnt.resize(static_cast<size_t>(W));
    for (int64_t iw = 0; iw < W; ++iw) {
      const int64_t a = iw + p.pad_left - p.kernel_w + 1;
      const int64_t lo = a <= 0 ? 0 : (a + p.stride_w - 1) / p.stride_w;
      const int64_t hi = std::min(OW, (iw + p.pad_left) / p.stride_w + 1);
      col_lo[iw] = static_cast<int32_t>(lo);
      col_cnt[iw] = static_cast<int32_t>(std::max<int64_t>(0, hi - lo));
      max_cnt = std::max(max_cnt, col_cnt[iw]);
    }
  }
  avg_inverse inverse() const { return {inv.data(), row_of.data()}; }
  avg_columns columns() const { return {col_lo.data(), col_cnt.data(), max_cnt}; }
};

// Tasks: planes (NCHW) or output rows (NHWC).
void pool_avx512(const pool2d_params& p, bool is_max, const float* x, float* y) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width, C = p.channels;
  if (p.batch * C * OH * OW == 0) return;
  const avg_tables tables(p, false);
  const avg_inverse d = tables.inverse();
  if (p.data_layout == layout::nchw) {
    const int64_t need = f32_pool_nchw_scratch__avx512(p);
    pool_for(p.batch * C, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
      float* buf = scratch(need);
      for (int64_t t = lo; t < hi; ++t) {
        if (is_max) {
          f32_maxpool_nchw_plane__avx512(p, x + t * H * W, y + t * OH * OW, buf);
        } else {
          if (f32_avgpool_nchw_plane__avx512(p, d, x + t * H * W, y + t * OH * OW, buf)) {
            avg_fix_plane(p, x + t * H * W, y + t * OH * OW);
          }
        }
      }
    });
  } else {
    const int64_t need = f32_pool_nhwc_scratch__avx512(p);
    pool_for(p.batch * OH, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
      float* buf = scratch(need);
      for (int64_t t = lo; t < hi; ++t) {
        const float* x_n = x + (t / OH) * H * W * C;
        if (is_max) {
          f32_maxpool_nhwc_row__avx512(p, x_n, t % OH, y + t * OW * C, buf);
        } else {
          if (f32_avgpool_nhwc_row__avx512(p, d, x_n, t % OH, y + t * OW * C, buf)) {
            avg_fix_row_nhwc(p, x_n, t % OH, y + t * OW * C);
          }
        }
      }
    });
  }
}

// Max backward, 2x2 windows at stride 2 only (maxpool_backward_is_2x2s2).
void max_pool_backward_avx512(const pool2d_params& p, const float* dy, const float* x, float* dx) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width, C = p.channels;
  if (p.data_layout == layout::nchw) {
    pool_for(p.batch * C, max_bwd_bytes(p), [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        f32_maxpool_backward_2x2s2_nchw_plane__avx512(p, dy + t * OH * OW, x + t * H * W, dx + t * H * W);
      }
    });
  } else {
    pool_for(p.batch * OH, max_bwd_bytes(p), [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t n = t / OH;
        f32_maxpool_backward_2x2s2_nhwc_row__avx512(p, dy + n * OH * OW * C, x + n * H * W * C, t % OH,
                                                    dx + n * H * W * C);
      }
    });
  }
}

// Max backward, any window (f32_maxpool_backward_supported__avx512): tasks are planes (NCHW)
// or images x 64-channel blocks (NHWC), so no two threads write the same dx cell.
void max_pool_backward_any_avx512(const pool2d_params& p, const float* dy, const float* x, float* dx) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width, C = p.channels;
  if (p.data_layout == layout::nchw) {
    const int64_t need = f32_maxpool_backward_scratch__avx512(p);
    pool_for(p.batch * C, max_bwd_bytes(p), [&](int64_t lo, int64_t hi) {
      float* buf = scratch(need);
      for (int64_t t = lo; t < hi; ++t) {
        f32_maxpool_backward_nchw_plane__avx512(p, dy + t * OH * OW, x + t * H * W, dx + t * H * W, buf);
      }
    });
  } else {
    const int64_t blocks = (C + kChannelBlock - 1) / kChannelBlock;
    pool_for(p.batch * blocks, max_bwd_bytes(p), [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t n = t / blocks, c0 = (t % blocks) * kChannelBlock;
        f32_maxpool_backward_nhwc__avx512(p, dy + n * OH * OW * C, x + n * H * W * C, c0,
                                          std::min(kChannelBlock, C - c0), dx + n * H * W * C);
      }
    });
  }
}

// Avg backward: tasks are planes (NCHW) or input rows (NHWC); each writes its dx once.
void avg_pool_backward_avx512(const pool2d_params& p, const float* dy, float* dx) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width, C = p.channels;
  const avg_tables tables(p, true);
  const avg_inverse d = tables.inverse();
  const avg_columns cols = tables.columns();
  const int64_t need = f32_avgpool_backward_scratch__avx512(p);
  if (p.data_layout == layout::nchw) {
    pool_for(p.batch * C, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
      float* buf = scratch(need);
      for (int64_t t = lo; t < hi; ++t) {
        f32_avgpool_backward_nchw_plane__avx512(p, d, cols, dy + t * OH * OW, dx + t * H * W, buf);
      }
    });
  } else {
    pool_for(p.batch * H, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
      float* buf = scratch(need);
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t n = t / H;
        f32_avgpool_backward_nhwc_row__avx512(p, d, cols, dy + n * OH * OW * C, t % H, dx + t * W * C, buf);
      }
    });
  }
}
#endif

// Test aid (convkit/last-path.h): the plane/row kernels of this layout, AVX-512 or portable.
void note_pool_kind(const pool2d_params& p, bool avx512) {
  const bool nchw = p.data_layout == layout::nchw;
  note_pool_path(avx512 ? (nchw ? pool_path::nchw_avx512 : pool_path::nhwc_avx512)
                        : (nchw ? pool_path::nchw : pool_path::nhwc));
}

}  // namespace

void max_pool2d(const pool2d_params& p, const float* x, float* y) {
  if (!compact_geometry(p)) {
    note_pool_path(pool_path::clamped);
    return pool_clamped<true>(p, x, y);
  }
#ifdef CONVKIT_HAS_POOL_KERNELS
  if (use_avx512()) {
    note_pool_kind(p, true);
    return pool_avx512(p, true, x, y);
  }
#endif
  note_pool_kind(p, false);
  if (p.data_layout == layout::nchw) {
    max_pool_nchw(p, x, y);
  } else {
    max_pool_nhwc(p, x, y);
  }
}

void avg_pool2d(const pool2d_params& p, const float* x, float* y) {
  if (!compact_geometry(p)) {
    note_pool_path(pool_path::clamped);
    return pool_clamped<false>(p, x, y);
  }
#ifdef CONVKIT_HAS_POOL_KERNELS
  if (use_avx512()) {
    note_pool_kind(p, true);
    return pool_avx512(p, false, x, y);
  }
#endif
  note_pool_kind(p, false);
  if (p.data_layout == layout::nchw) {
    avg_pool_nchw(p, x, y);
  } else {
    avg_pool_nhwc(p, x, y);
  }
}

void max_pool2d_backward(const pool2d_params& p, const float* dy, const float* x, float* dx) {
  if (!compact_geometry(p)) {
    note_pool_path(pool_path::clamped);
    return pool_backward_clamped<true>(p, dy, x, dx);
  }
#ifdef CONVKIT_HAS_POOL_KERNELS
  if (use_avx512() && maxpool_backward_is_2x2s2(p) && p.out_height > 0 && p.out_width > 0) {
    note_pool_path(p.data_layout == layout::nchw ? pool_path::max_backward_2x2s2_nchw_avx512
                                                 : pool_path::max_backward_2x2s2_nhwc_avx512);
    return max_pool_backward_avx512(p, dy, x, dx);
  }
  if (use_avx512() && f32_maxpool_backward_supported__avx512(p)) {
    note_pool_kind(p, true);
    return max_pool_backward_any_avx512(p, dy, x, dx);
  }
#endif
  note_pool_kind(p, false);
  if (p.data_layout == layout::nchw) {
    max_pool_backward_nchw(p, dy, x, dx);
  } else {
    max_pool_backward_nhwc(p, dy, x, dx);
  }
}

void avg_pool2d_backward(const pool2d_params& p, const float* dy, float* dx) {
  if (!compact_geometry(p)) {
    note_pool_path(pool_path::clamped);
    return pool_backward_clamped<false>(p, dy, nullptr, dx);
  }
#ifdef CONVKIT_HAS_POOL_KERNELS
  if (use_avx512()) {
    note_pool_kind(p, true);
    return avg_pool_backward_avx512(p, dy, dx);
  }
#endif
  note_pool_kind(p, false);
  if (p.data_layout == layout::nchw) {
    avg_pool_backward_nchw(p, dy, dx);
  } else {
    avg_pool_backward_nhwc(p, dy, dx);
  }
}

namespace {

// Global avg fix-up (as avg_fix_plane): y[c] for c < n, the mean of x[c*cstep + i*istep]
// over i < hw, recomputed in double where the float sum gave Inf or NaN.
void gavg_fix(const float* x, int64_t n, int64_t cstep, int64_t istep, int64_t hw, float* y) {
  for (int64_t c = 0; c < n; ++c) {
    if (std::isfinite(y[c])) continue;
    double s = 0.0;
    for (int64_t i = 0; i < hw; ++i) s += x[c * cstep + i * istep];
    y[c] = static_cast<float>(s / static_cast<double>(hw));
  }
}
// The portable kernels' fix-up: a scan first.
void gavg_fixup(const float* x, int64_t n, int64_t cstep, int64_t istep, int64_t hw, float* y) {
  if (any_nonfinite(y, n)) gavg_fix(x, n, cstep, istep, hw, y);
}

}  // namespace

void global_avg_pool2d(int64_t batch, int64_t channels, int64_t height, int64_t width,
                       layout data_layout, const float* x, float* y) {
  const int64_t hw = height * width;
  const int64_t bytes = 4 * batch * channels * (hw + 1);
  const float inv = 1.0f / static_cast<float>(hw);
#ifdef CONVKIT_HAS_POOL_KERNELS
  if (use_avx512()) {
    note_pool_path(data_layout == layout::nchw ? pool_path::global_nchw_avx512 : pool_path::global_nhwc_avx512);
    if (data_layout == layout::nchw) {
      pool_for(batch * channels, bytes, [&](int64_t lo, int64_t hi) {
        if (f32_gavgpool_nchw__avx512(x + lo * hw, hi - lo, hw, y + lo)) gavg_fix(x + lo * hw, hi - lo, hw, 1, hw, y + lo);
      });
    } else {
      pool_for(batch, bytes, [&](int64_t lo, int64_t hi) {
        for (int64_t n = lo; n < hi; ++n) {
          if (f32_gavgpool_nhwc__avx512(x + n * hw * channels, channels, hw, y + n * channels)) {
            gavg_fix(x + n * hw * channels, channels, 1, channels, hw, y + n * channels);
          }
        }
      });
    }
    return;
  }
#endif
  note_pool_path(data_layout == layout::nchw ? pool_path::global_nchw : pool_path::global_nhwc);
  if (data_layout == layout::nchw) {
    pool_for(batch * channels, bytes, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const float* xc = x + t * hw;
        float lanes[16] = {};
        int64_t i = 0;
        for (; i + 16 <= hw; i += 16) {
          for (int j = 0; j < 16; ++j) lanes[j] += xc[i + j];
        }
        double s = 0.0;
        for (int j = 0; j < 16; ++j) s += lanes[j];
        for (; i < hw; ++i) s += xc[i];
        y[t] = static_cast<float>(s) * inv;
      }
      gavg_fixup(x + lo * hw, hi - lo, hw, 1, hw, y + lo);
    });
  } else {
    pool_for(batch, bytes, [&](int64_t lo, int64_t hi) {
      for (int64_t n = lo; n < hi; ++n) {
        float* yv = y + n * channels;
        std::fill(yv, yv + channels, 0.0f);
        for (int64_t i = 0; i < hw; ++i) {
          const float* xv = x + (n * hw + i) * channels;
          for (int64_t c = 0; c < channels; ++c) yv[c] += xv[c];
        }
        for (int64_t c = 0; c < channels; ++c) yv[c] *= inv;
        gavg_fixup(x + n * hw * channels, channels, 1, channels, hw, yv);
      }
    });
  }
}

void global_max_pool2d(int64_t batch, int64_t channels, int64_t height, int64_t width,
                       layout data_layout, const float* x, float* y) {
  const int64_t hw = height * width;
  const int64_t bytes = 4 * batch * channels * (hw + 1);
  note_pool_path(data_layout == layout::nchw ? pool_path::global_nchw : pool_path::global_nhwc);
  if (data_layout == layout::nchw) {
    pool_for(batch * channels, bytes, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const float* xc = x + t * hw;
        float best = kNegInf;
        for (int64_t i = 0; i < hw; ++i) best = max_nan(best, xc[i]);
        y[t] = best;
      }
    });
  } else {
    pool_for(batch, bytes, [&](int64_t lo, int64_t hi) {
      for (int64_t n = lo; n < hi; ++n) {
        float* yv = y + n * channels;
        std::fill(yv, yv + channels, kNegInf);
        for (int64_t i = 0; i < hw; ++i) {
          const float* xv = x + (n * hw + i) * channels;
          for (int64_t c = 0; c < channels; ++c) yv[c] = max_nan(yv[c], xv[c]);
        }
      }
    });
  }
}

}  // namespace convkit
