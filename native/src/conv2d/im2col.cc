// im2col / col2im tiles and the tile-size rule shared by the conv2d drivers (im2col.h).
#include "conv2d/im2col.h"

#include <cstring>

namespace convkit {

workspace& col_workspace() {
  thread_local workspace space;
  return space;
}

namespace {

// The NCHW col matrix [cin_g * KH * KW, pt] of output positions [p0, p0 + pt), one output row
// segment at a time: for channels [ci_lo, ci_hi), taps (kh, kw), and each segment of len
// positions from column ow0 of output row oh, calls f(ci, at, ow0, len, ih, off): col + at
// indexed by ow is the segment's part of the col row, ih the input row it reads (possibly
// outside the input) and ow * stride_w + off the input column of output column ow.
template <typename F>
void for_each_col_segment(const conv2d_params& p, int64_t p0, int64_t pt, int64_t ci_lo, int64_t ci_hi, F f) {
  const int64_t OW = p.out_width;
  for (int64_t ci = ci_lo; ci < ci_hi; ++ci) {
    for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
      for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
        const int64_t row = ((ci * p.kernel_h + kh) * p.kernel_w + kw) * pt;
        const int64_t off = kw * p.dilation_w - p.pad_left;
        int64_t j = 0;
        while (j < pt) {
          const int64_t pos = p0 + j;
          const int64_t oh = pos / OW, ow0 = pos % OW;
          const int64_t len = std::min(OW - ow0, pt - j);
          f(ci, row + j - ow0, ow0, len, oh * p.stride_h - p.pad_top + kh * p.dilation_h, off);
          j += len;
        }
      }
    }
  }
}

}  // namespace

void im2col_nchw(const conv2d_params& p, const float* x_ng, int64_t p0, int64_t pt, float* col) {
  const int64_t H = p.in_height, W = p.in_width;
  for_each_col_segment(p, p0, pt, 0, p.in_channels / p.groups,
                       [&](int64_t ci, int64_t at, int64_t ow0, int64_t len, int64_t ih, int64_t off) {
    float* dst = col + at;  // dst[ow] for ow in [ow0, ow0+len)
    if (ih < 0 || ih >= H) {
      std::fill(dst + ow0, dst + ow0 + len, 0.0f);
      return;
    }
    const float* src = x_ng + ci * H * W + ih * W;
    int64_t lo, hi;
    valid_range(ow0, ow0 + len, p.stride_w, off, W, &lo, &hi);
    std::fill(dst + ow0, dst + lo, 0.0f);
    if (p.stride_w == 1) {
      if (hi > lo) std::memcpy(dst + lo, src + lo + off, (hi - lo) * sizeof(float));
    } else {
      for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[ow * p.stride_w + off];
    }
    std::fill(dst + hi, dst + ow0 + len, 0.0f);
  });
}

void im2col_nhwc(const conv2d_params& p, const float* x_n, int64_t g, int64_t p0, int64_t pt,
                 float* col) {
  const int64_t cin = p.in_channels, cin_g = cin / p.groups;
  const int64_t kd = p.kernel_h * p.kernel_w * cin_g;
  const int64_t H = p.in_height, W = p.in_width, OW = p.out_width;
  int64_t oh = p0 / OW, ow = p0 % OW;
  for (int64_t j = 0; j < pt; ++j) {
    float* dst = col + j * kd;
    for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
      const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
      for (int64_t kw = 0; kw < p.kernel_w; ++kw, dst += cin_g) {
        const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
          std::fill(dst, dst + cin_g, 0.0f);
        } else {
          std::memcpy(dst, x_n + (ih * W + iw) * cin + g * cin_g, cin_g * sizeof(float));
        }
      }
    }
    if (++ow == OW) { ow = 0; ++oh; }
  }
}

// The transpose of im2col_nchw: every col element goes back to the input cell it was read
// from; padding taps are dropped. Channels [ci_lo, ci_hi) touch disjoint dx planes.
void col2im_nchw(const conv2d_params& p, const float* col, int64_t p0, int64_t pt, float* dx_ng,
                 int64_t ci_lo, int64_t ci_hi) {
  const int64_t H = p.in_height, W = p.in_width;
  for_each_col_segment(p, p0, pt, ci_lo, ci_hi,
                       [&](int64_t ci, int64_t at, int64_t ow0, int64_t len, int64_t ih, int64_t off) {
    if (ih < 0 || ih >= H) return;
    const float* src = col + at;  // src[ow] for ow in [ow0, ow0+len)
    float* dst = dx_ng + ci * H * W + ih * W;
    int64_t lo, hi;
    valid_range(ow0, ow0 + len, p.stride_w, off, W, &lo, &hi);
    if (p.stride_w == 1) {
      float* d = dst + off;
      for (int64_t ow = lo; ow < hi; ++ow) d[ow] += src[ow];
    } else {
      for (int64_t ow = lo; ow < hi; ++ow) dst[ow * p.stride_w + off] += src[ow];
    }
  });
}

void col2im_nhwc(const conv2d_params& p, const float* col, int64_t g, int64_t p0, int64_t pt,
                 float* dx_n, int64_t c_lo, int64_t c_hi) {
  const int64_t cin = p.in_channels, cin_g = cin / p.groups;
  const int64_t kd = p.kernel_h * p.kernel_w * cin_g;
  const int64_t W = p.in_width, OW = p.out_width;
  const int64_t nc = c_hi - c_lo;
  int64_t oh = p0 / OW, ow = p0 % OW;
  for (int64_t j = 0; j < pt; ++j) {
    const float* src = col + j * kd + c_lo;
    for_each_input_tap(p, oh, ow, [&](int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
      const float* s = src + (kh * p.kernel_w + kw) * cin_g;
      float* d = dx_n + (ih * W + iw) * cin + g * cin_g + c_lo;
      for (int64_t c = 0; c < nc; ++c) d[c] += s[c];
    });
    if (++ow == OW) { ow = 0; ++oh; }
  }
}

int64_t tile_size(int64_t positions, int64_t kd, int64_t outer, int64_t threads, int64_t budget) {
  int64_t pt = std::max(kMinTile, budget / std::max<int64_t>(kd, 1));
  pt = std::min(pt, positions);
  // One thread: no split beyond the budget (each tile's GEMM repacks the whole weight).
  // Several: split for tasks only while tiles stay long enough to amortize that repacking;
  // below that, run_tasks leaves the threads to the GEMM itself.
  const int64_t want_tasks = threads > 1 ? 4 * threads : 1;
  int64_t tiles = (positions + pt - 1) / pt;
  if (outer * tiles < want_tasks) {
    const int64_t need = (want_tasks + outer - 1) / outer;
    const int64_t most = std::max<int64_t>(1, positions / kMinSplitTile);
    tiles = std::max(tiles, std::min(need, most));
    pt = (positions + tiles - 1) / tiles;
  }
  return std::max<int64_t>(pt, 1);
}

}  // namespace convkit
