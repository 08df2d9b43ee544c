// Depthwise convolution (groups == Cin > 1, Cout = multiplier * Cin), forward and backward,
// both layouts (contracts in dwconv.h). Direct loops, no im2col and no GEMM:
//   forward NCHW: one output plane per task; each tap adds a shifted input row to the output
//     row (portable), or the config's row kernel reads a zero-padded copy of the plane;
//   forward NHWC: vectorized over channels with the weight transposed to [KH, KW, Cout];
//   dx: NCHW one input plane per task, NHWC one dx row per task (gathers: no two tasks write
//     the same cell);
//   dw: NCHW one output channel per task (row dot products summed in double); NHWC output
//     rows split into one range per thread, each with its own partial, summed in a fixed order.
#include <algorithm>
#include <cstring>
#include <vector>

#include "conv2d/conv2d-backward.h"
#include "conv2d/dwconv.h"
#include "conv2d/im2col.h"
#include "conv2d/padded-input.h"
#include "conv2d/ukernel/ukernels.h"
#include "configs/conv2d-config.h"
#include "configs/copy-config.h"
#include "configs/dwconv-config.h"
#include "convkit/conv2d.h"
#include "convkit/parallel.h"

namespace convkit {

// ---- forward -----------------------------------------------------------------------------

namespace {

// The depthwise weight [cout, kk] (kk = KH * KW taps) transposed to wt [kk, cout]: each tap's
// channel vector contiguous, for the NHWC loops.
// Through the copy config's transpose tile, 32 channels at a time: the element loop wrote
// with a stride of cout floats, and for a 1152-channel 5x5 layer took as long as the conv.
inline void transpose_taps(const float* w, int64_t cout, int64_t kk, float* wt) {
  const f32_transpose_tile_fn tile = get_copy_config().transpose_tile;
  for (int64_t co = 0; co < cout; co += 32) tile(w + co * kk, kk, wt + co, cout, std::min<int64_t>(32, cout - co), kk);
}

// The taps of one kernel row along W, for the NCHW loops that add whole shifted rows: for each
// kw, f(wv, ow_lo, ow_hi, off) with the tap's weight wrow[kw] and the output columns
// [ow_lo, ow_hi) whose input column ow * stride_w + off lies inside the input.
template <typename F>
inline void for_each_row_tap(const conv2d_params& p, const float* wrow, F f) {
  for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
    const int64_t off = kw * p.dilation_w - p.pad_left;
    int64_t ow_lo, ow_hi;
    valid_range(0, p.out_width, p.stride_w, off, p.in_width, &ow_lo, &ow_hi);
    f(wrow[kw], ow_lo, ow_hi, off);
  }
}

// Depthwise NCHW: one output plane per task; each kernel tap adds a shifted input row
// to the output row, contiguous over W when stride_w == 1.
void dwconv_nchw(const conv2d_params& p, const float* x, const float* w, const float* b,
                 float* y, const float* res) {
  const int64_t mult = p.out_channels / p.in_channels;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t KH = p.kernel_h, KW = p.kernel_w;
  const f32_conv2d_epilogue_fn epi = get_conv2d_config().epilogue;
  const bool finish = res != nullptr || p.act != activation::none;
  parallel_for(p.batch * p.out_channels, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t n = t / p.out_channels, co = t % p.out_channels, c = co / mult;
      const float* xc = x + (n * p.in_channels + c) * H * W;
      const float* wc = w + co * KH * KW;  // [KH, KW]
      float* yc = y + t * OH * OW;
      const float bias = p.has_bias ? b[co] : 0.0f;
      for (int64_t oh = 0; oh < OH; ++oh) {
        float* yrow = yc + oh * OW;
        std::fill(yrow, yrow + OW, bias);
        for (int64_t kh = 0; kh < KH; ++kh) {
          const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
          if (ih < 0 || ih >= H) continue;
          const float* xrow = xc + ih * W;
          for_each_row_tap(p, wc + kh * KW, [&](float wv, int64_t ow_lo, int64_t ow_hi, int64_t off) {
            if (p.stride_w == 1) {
              const float* src = xrow + off;
              for (int64_t ow = ow_lo; ow < ow_hi; ++ow) yrow[ow] += wv * src[ow];
            } else {
              for (int64_t ow = ow_lo; ow < ow_hi; ++ow) yrow[ow] += wv * xrow[ow * p.stride_w + off];
            }
          });
        }
        if (finish) {  // the row is in L1: residual and activation
          epi(yrow, yrow, OW, 0.0f, nullptr, res != nullptr ? res + (yrow - y) : nullptr, p.act);
        }
      }
    }
  });
}

// Depthwise NHWC: vectorized over channels; the weight [Cout, KH, KW] is first transposed
// to [KH, KW, Cout] so each tap reads a contiguous channel vector.
void dwconv_nhwc(const conv2d_params& p, const float* x, const float* w, const float* b,
                 float* y, const float* res) {
  const int64_t cin = p.in_channels, cout = p.out_channels, mult = cout / cin;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t KH = p.kernel_h, KW = p.kernel_w;
  const f32_conv2d_epilogue_fn epi = get_conv2d_config().epilogue;
  const bool finish = res != nullptr || p.act != activation::none;
  std::vector<float> wt(static_cast<size_t>(KH * KW * cout));
  transpose_taps(w, cout, KH * KW, wt.data());
  parallel_for(p.batch * OH, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t n = t / OH, oh = t % OH;
      const float* x_n = x + n * H * W * cin;
      for (int64_t ow = 0; ow < OW; ++ow) {
        float* yv = y + (t * OW + ow) * cout;
        if (p.has_bias) {
          std::memcpy(yv, b, cout * sizeof(float));
        } else {
          std::fill(yv, yv + cout, 0.0f);
        }
        for_each_input_tap(p, oh, ow, [&](int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
          const float* xv = x_n + (ih * W + iw) * cin;
          const float* wv = wt.data() + (kh * KW + kw) * cout;
          if (mult == 1) {
            for (int64_t c = 0; c < cout; ++c) yv[c] += xv[c] * wv[c];
          } else {
            for (int64_t c = 0; c < cin; ++c) {
              const float xc = xv[c];
              for (int64_t j = 0; j < mult; ++j) yv[c * mult + j] += xc * wv[c * mult + j];
            }
          }
        });
        if (finish) {  // the channel vector is in L1: residual and activation
          epi(yv, yv, cout, 0.0f, nullptr, res != nullptr ? res + (yv - y) : nullptr, p.act);
        }
      }
    }
  });
}

// Depthwise NCHW with a row kernel: one padded plane per (n, c), one output row per call.
void dwconv_nchw_rows(const conv2d_params& p, f32_dwconv_row_fn row, const float* x,
                      const float* w, const float* b, float* y, const float* res) {
  const int64_t mult = p.out_channels / p.in_channels;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t kd = p.kernel_h * p.kernel_w;
  const padded_input geo = padded_geometry(p);
  const std::vector<int64_t> tap = tap_offsets(p, geo, 1);
  parallel_for(p.batch * p.in_channels, [&](int64_t lo, int64_t hi) {
    float* xp = col_workspace().get(static_cast<size_t>(geo.plane));
    for (int64_t t = lo; t < hi; ++t) {
      pack_padded(p, geo, x + t * H * W, H * W, W, 1, 1, xp);
      const int64_t n = t / p.in_channels, c = t % p.in_channels;
      for (int64_t j = 0; j < mult; ++j) {
        const int64_t co = c * mult + j;
        const int64_t at = (n * p.out_channels + co) * OH * OW;
        const float bias = p.has_bias ? b[co] : 0.0f;
        for (int64_t oh = 0; oh < OH; ++oh) {
          row(kd, tap.data(), w + co * kd, xp + oh * p.stride_h * geo.rowlen, OW, y + at + oh * OW,
              bias, res != nullptr ? res + at + oh * OW : nullptr, p.act);
        }
      }
    }
  });
}

// Depthwise NHWC, multiplier 1, with a row kernel: one output row per task; wt [KH*KW, C].
void dwconv_nhwc_rows(const conv2d_params& p, f32_dwconv_nhwc_row_fn row, const float* x,
                      const float* wt, const float* b, float* y, const float* res) {
  const int64_t H = p.in_height, W = p.in_width, C = p.in_channels, OH = p.out_height, OW = p.out_width;
  parallel_for(p.batch * OH, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t n = t / OH, oh = t % OH;
      row(p, x + n * H * W * C, wt, p.has_bias ? b : nullptr, oh, y + t * OW * C,
          res != nullptr ? res + t * OW * C : nullptr);
    }
  });
}

}  // namespace

void dwconv_forward(const conv2d_params& p, const float* x, const float* w, const float* b,
                    float* y, const float* r) {
  const dwconv_config& cfg = get_dwconv_config();
  if (p.data_layout == layout::nchw) {
    if (cfg.nchw_row != nullptr) {
      dwconv_nchw_rows(p, cfg.nchw_row, x, w, b, y, r);
    } else {
      dwconv_nchw(p, x, w, b, y, r);
    }
  } else if (dwconv_nhwc_packed_size(p) > 0) {
    const int64_t kk = p.kernel_h * p.kernel_w;
    float* wt = packed_weights_space().get(static_cast<size_t>(kk * p.in_channels));  // [KH*KW, C]
    transpose_taps(w, p.in_channels, kk, wt);
    dwconv_nhwc_rows(p, cfg.nhwc_row, x, wt, b, y, r);
  } else {
    dwconv_nhwc(p, x, w, b, y, r);
  }
}

int64_t dwconv_nhwc_packed_size(const conv2d_params& p) {
  const bool row = p.data_layout == layout::nhwc && p.out_channels == p.in_channels &&
                   get_dwconv_config().nhwc_row != nullptr;
  return row ? p.kernel_h * p.kernel_w * p.in_channels : 0;
}

void dwconv_nhwc_prepack(const conv2d_params& p, const float* w, float* packed) {
  transpose_taps(w, p.in_channels, p.kernel_h * p.kernel_w, packed);
}

void dwconv_forward_packed(const conv2d_params& p, const float* x, const float* packed, const float* b,
                           float* y, const float* r) {
  dwconv_nhwc_rows(p, get_dwconv_config().nhwc_row, x, packed, b, y, r);
}

// ---- dx ----------------------------------------------------------------------------------

// Depthwise NCHW: one input plane per task; each (multiplier, tap) adds a scaled dy row to
// a shifted dx row (contiguous over W when stride_w == 1).
void dwconv_backward_data_nchw(const conv2d_params& p, const float* dy, const float* w, float* dx) {
  const int64_t mult = p.out_channels / p.in_channels;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t KH = p.kernel_h, KW = p.kernel_w;
  parallel_for(p.batch * p.in_channels, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t n = t / p.in_channels, c = t % p.in_channels;
      float* dxc = dx + t * H * W;
      std::fill(dxc, dxc + H * W, 0.0f);
      for (int64_t j = 0; j < mult; ++j) {
        const int64_t co = c * mult + j;
        const float* dyc = dy + (n * p.out_channels + co) * OH * OW;
        const float* wc = w + co * KH * KW;  // [KH, KW]
        for (int64_t kh = 0; kh < KH; ++kh) {
          for (int64_t oh = 0; oh < OH; ++oh) {
            const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
            if (ih < 0 || ih >= H) continue;
            float* dxrow = dxc + ih * W;
            const float* dyrow = dyc + oh * OW;
            for_each_row_tap(p, wc + kh * KW, [&](float wv, int64_t ow_lo, int64_t ow_hi, int64_t off) {
              if (p.stride_w == 1) {
                float* d = dxrow + off;
                for (int64_t ow = ow_lo; ow < ow_hi; ++ow) d[ow] += wv * dyrow[ow];
              } else {
                for (int64_t ow = ow_lo; ow < ow_hi; ++ow) dxrow[ow * p.stride_w + off] += wv * dyrow[ow];
              }
            });
          }
        }
      }
    }
  });
}

// Depthwise NHWC: gathers into one dx row per task (no two tasks write the same cell),
// vectorized over channels with the weight transposed to [KH, KW, Cout].
void dwconv_backward_data_nhwc(const conv2d_params& p, const float* dy, const float* w, float* dx) {
  const int64_t cin = p.in_channels, cout = p.out_channels, mult = cout / cin;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t KH = p.kernel_h, KW = p.kernel_w;
  std::vector<float> wt(static_cast<size_t>(KH * KW * cout));
  transpose_taps(w, cout, KH * KW, wt.data());
  parallel_for(p.batch * H, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t n = t / H, ih = t % H;
      for (int64_t iw = 0; iw < W; ++iw) {
        float* dxv = dx + (t * W + iw) * cin;
        std::fill(dxv, dxv + cin, 0.0f);
        for (int64_t kh = 0; kh < KH; ++kh) {
          const int64_t num_h = ih + p.pad_top - kh * p.dilation_h;  // = oh * stride_h
          if (num_h < 0 || num_h % p.stride_h != 0 || num_h / p.stride_h >= OH) continue;
          const int64_t oh = num_h / p.stride_h;
          for (int64_t kw = 0; kw < KW; ++kw) {
            const int64_t num_w = iw + p.pad_left - kw * p.dilation_w;
            if (num_w < 0 || num_w % p.stride_w != 0 || num_w / p.stride_w >= OW) continue;
            const int64_t ow = num_w / p.stride_w;
            const float* dyv = dy + ((n * OH + oh) * OW + ow) * cout;
            const float* wv = wt.data() + (kh * KW + kw) * cout;
            if (mult == 1) {
              for (int64_t c = 0; c < cin; ++c) dxv[c] += dyv[c] * wv[c];
            } else {
              for (int64_t c = 0; c < cin; ++c) {
                float s = 0.0f;
                for (int64_t j = 0; j < mult; ++j) s += dyv[c * mult + j] * wv[c * mult + j];
                dxv[c] += s;
              }
            }
          }
        }
      }
    }
  });
}

// ---- dw ----------------------------------------------------------------------------------

namespace {

// Sum of a[i] * b[i * b_stride] for i < n, eight float lanes, returned in double.
double dot_strided(const float* a, const float* b, int64_t n, int64_t b_stride) {
  float lanes[8] = {};
  int64_t i = 0;
  if (b_stride == 1) {
    for (; i + 8 <= n; i += 8) {
      for (int j = 0; j < 8; ++j) lanes[j] += a[i + j] * b[i + j];
    }
  } else {
    for (; i + 8 <= n; i += 8) {
      for (int j = 0; j < 8; ++j) lanes[j] += a[i + j] * b[(i + j) * b_stride];
    }
  }
  double s = 0.0;
  for (int j = 0; j < 8; ++j) s += lanes[j];
  for (; i < n; ++i) s += static_cast<double>(a[i]) * b[i * b_stride];
  return s;
}

}  // namespace

// Depthwise NCHW: one output channel per task; each tap is a sum of row dot products.
void dwconv_backward_filter_nchw(const conv2d_params& p, const float* dy, const float* x, float* dw) {
  const int64_t mult = p.out_channels / p.in_channels;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t KH = p.kernel_h, KW = p.kernel_w;
  parallel_for(p.out_channels, [&](int64_t lo, int64_t hi) {
    for (int64_t co = lo; co < hi; ++co) {
      const int64_t c = co / mult;
      for (int64_t kh = 0; kh < KH; ++kh) {
        for (int64_t kw = 0; kw < KW; ++kw) {
          const int64_t off = kw * p.dilation_w - p.pad_left;
          int64_t ow_lo, ow_hi;
          valid_range(0, OW, p.stride_w, off, W, &ow_lo, &ow_hi);
          double s = 0.0;
          for (int64_t n = 0; n < p.batch; ++n) {
            const float* dyc = dy + (n * p.out_channels + co) * OH * OW;
            const float* xc = x + (n * p.in_channels + c) * H * W;
            for (int64_t oh = 0; oh < OH; ++oh) {
              const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
              if (ih < 0 || ih >= H || ow_hi <= ow_lo) continue;
              s += dot_strided(dyc + oh * OW + ow_lo, xc + ih * W + ow_lo * p.stride_w + off,
                               ow_hi - ow_lo, p.stride_w);
            }
          }
          dw[(co * KH + kh) * KW + kw] = static_cast<float>(s);
        }
      }
    }
  });
}

// Depthwise NHWC: vectorized over channels; output rows split into one range per thread,
// each summing into its own [KH*KW, Cout] partial (float, flushed to double every few rows).
void dwconv_backward_filter_nhwc(const conv2d_params& p, const float* dy, const float* x, float* dw) {
  const int64_t cin = p.in_channels, cout = p.out_channels, mult = cout / cin;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t KK = p.kernel_h * p.kernel_w, KW = p.kernel_w;
  const int64_t rows = p.batch * OH;
  const int64_t parts = std::min<int64_t>(get_num_threads(), rows);
  std::vector<double> acc(static_cast<size_t>(parts * KK * cout), 0.0);  // [parts][KK][Cout]
  parallel_for(parts, [&](int64_t lo, int64_t hi) {
    std::vector<float> blk(static_cast<size_t>(KK * cout));  // [KK][Cout]
    for (int64_t k = lo; k < hi; ++k) {
      double* ak = acc.data() + k * KK * cout;
      const int64_t r0 = k * rows / parts, r1 = (k + 1) * rows / parts;
      for (int64_t r = r0; r < r1; r += kFlushRows) {
        std::fill(blk.begin(), blk.end(), 0.0f);
        for (int64_t t = r; t < std::min(r1, r + kFlushRows); ++t) {
          const int64_t n = t / OH, oh = t % OH;
          for (int64_t ow = 0; ow < OW; ++ow) {
            const float* dyv = dy + (t * OW + ow) * cout;
            for_each_input_tap(p, oh, ow, [&](int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
              const float* xv = x + ((n * H + ih) * W + iw) * cin;
              float* bv = blk.data() + (kh * KW + kw) * cout;
              if (mult == 1) {
                for (int64_t c = 0; c < cout; ++c) bv[c] += dyv[c] * xv[c];
              } else {
                for (int64_t c = 0; c < cin; ++c) {
                  const float xc = xv[c];
                  for (int64_t j = 0; j < mult; ++j) bv[c * mult + j] += dyv[c * mult + j] * xc;
                }
              }
            });
          }
        }
        for (int64_t i = 0; i < KK * cout; ++i) ak[i] += blk[i];
      }
    }
  });
  // dw [Cout, KH, KW] from the partials [parts][KK][Cout].
  for (int64_t co = 0; co < cout; ++co) {
    for (int64_t tap = 0; tap < KK; ++tap) {
      double s = 0.0;
      for (int64_t k = 0; k < parts; ++k) s += acc[(k * KK + tap) * cout + co];
      dw[co * KK + tap] = static_cast<float>(s);
    }
  }
}

}  // namespace convkit
