// conv2d forward driver: picks the algorithm per shape.
//   depthwise (groups == Cin, Cout = m*Cin)  -> direct kernel, vectorized over W (NCHW) or C (NHWC)
//   1x1, stride 1, no padding                -> GEMM on the input as it is
//   anything else                            -> im2col of a tile of output positions + GEMM
// Per group g (Cin_g = Cin/G, Cout_g = Cout/G, Kd = Cin_g*KH*KW, P = OH*OW):
//   NCHW: y[Cout_g, P]  = w_g[Cout_g, Kd] . col[Kd, P]          (col rows are (ci, kh, kw))
//   NHWC: y[P, Cout](g) = col[P, Kd] . w_g[Cout_g, Kd]^T        (col cols are (kh, kw, ci))
// im2col tiles, tile sizes and the task runner are shared with the backward driver
// (im2col.h). The workspace holds one tile of col (a few MB at most); bias and ReLU run on each output
// tile right after its GEMM, while it is still in cache.
#include <algorithm>
#include <cstring>
#include <vector>

#include "convkit/conv2d.h"
#include "convkit/gemm.h"
#include "convkit/parallel.h"
#include "conv2d/im2col.h"

namespace convkit {
namespace {

// y tile [rows, cols] with row stride ld: += bias (per row or per column), then ReLU.
void epilogue(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias,
              bool bias_per_row, bool relu) {
  if (bias == nullptr && !relu) return;
  for (int64_t r = 0; r < rows; ++r) {
    float* yr = y + r * ld;
    if (bias != nullptr) {
      if (bias_per_row) {
        const float bv = bias[r];
        for (int64_t j = 0; j < cols; ++j) yr[j] += bv;
      } else {
        for (int64_t j = 0; j < cols; ++j) yr[j] += bias[j];
      }
    }
    if (relu) {
      for (int64_t j = 0; j < cols; ++j) yr[j] = yr[j] < 0.0f ? 0.0f : yr[j];
    }
  }
}

void conv2d_gemm_nchw(const conv2d_params& p, const float* x, const float* w, const float* b,
                      float* y) {
  const int64_t G = p.groups, cin_g = p.in_channels / G, cout_g = p.out_channels / G;
  const int64_t kd = cin_g * p.kernel_h * p.kernel_w;
  const int64_t HW = p.in_height * p.in_width, P = p.out_height * p.out_width;
  const bool direct = is_pointwise(p);
  const int64_t threads = get_num_threads();
  const int64_t pt = direct ? tile_size(P, 1, p.batch * G, threads) : tile_size(P, kd, p.batch * G, threads);
  const int64_t tiles = (P + pt - 1) / pt;
  const bool relu = p.act == activation::relu;
  run_tasks(p.batch * G * tiles, threads, [&](int64_t t) {
    const int64_t n = t / (G * tiles), g = (t / tiles) % G, tile = t % tiles;
    const int64_t p0 = tile * pt, len = std::min(pt, P - p0);
    const float* x_ng = x + (n * p.in_channels + g * cin_g) * HW;
    const float* w_g = w + g * cout_g * kd;  // [Cout_g, Kd]
    float* y_tile = y + (n * p.out_channels + g * cout_g) * P + p0;  // [Cout_g, len], ld P
    if (direct) {  // x_ng is already [Cin_g, P]
      sgemm(false, false, cout_g, len, kd, 1.0f, w_g, kd, x_ng + p0, P, 0.0f, y_tile, P);
    } else {
      float* col = col_workspace().get(static_cast<size_t>(kd * len));  // [Kd, len]
      im2col_nchw(p, x_ng, p0, len, col);
      sgemm(false, false, cout_g, len, kd, 1.0f, w_g, kd, col, len, 0.0f, y_tile, P);
    }
    epilogue(y_tile, cout_g, len, P, p.has_bias ? b + g * cout_g : nullptr, true, relu);
  });
}

void conv2d_gemm_nhwc(const conv2d_params& p, const float* x, const float* w, const float* b,
                      float* y) {
  const int64_t G = p.groups, cin_g = p.in_channels / G, cout_g = p.out_channels / G;
  const int64_t kd = p.kernel_h * p.kernel_w * cin_g;
  const bool direct = is_pointwise(p);
  // A 1x1 stride-1 convolution in NHWC is one GEMM over all N*H*W positions: x is [NP, Cin].
  const int64_t images = direct ? 1 : p.batch;
  const int64_t P = direct ? p.batch * p.out_height * p.out_width : p.out_height * p.out_width;
  const int64_t threads = get_num_threads();
  const int64_t pt = tile_size(P, direct ? 1 : kd, images * G, threads);
  const int64_t tiles = (P + pt - 1) / pt;
  const bool relu = p.act == activation::relu;
  const int64_t in_image = p.in_height * p.in_width * p.in_channels;
  run_tasks(images * tiles * G, threads, [&](int64_t t) {
    const int64_t n = t / (tiles * G), tile = (t / G) % tiles, g = t % G;
    const int64_t p0 = tile * pt, len = std::min(pt, P - p0);
    const float* w_g = w + g * cout_g * kd;  // [Cout_g, Kd], used transposed
    float* y_tile = y + (n * P + p0) * p.out_channels + g * cout_g;  // [len, Cout_g], ld Cout
    if (direct) {
      const float* a = x + p0 * p.in_channels + g * cin_g;  // [len, Cin_g], ld Cin
      sgemm(false, true, len, cout_g, kd, 1.0f, a, p.in_channels, w_g, kd, 0.0f, y_tile,
            p.out_channels);
    } else {
      float* col = col_workspace().get(static_cast<size_t>(kd * len));  // [len, Kd]
      im2col_nhwc(p, x + n * in_image, g, p0, len, col);
      sgemm(false, true, len, cout_g, kd, 1.0f, col, kd, w_g, kd, 0.0f, y_tile, p.out_channels);
    }
    epilogue(y_tile, len, cout_g, p.out_channels, p.has_bias ? b + g * cout_g : nullptr, false,
             relu);
  });
}

// Depthwise NCHW: one output plane per task; each kernel tap adds a shifted input row
// to the output row, contiguous over W when stride_w == 1.
void dwconv_nchw(const conv2d_params& p, const float* x, const float* w, const float* b,
                 float* y) {
  const int64_t mult = p.out_channels / p.in_channels;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t KH = p.kernel_h, KW = p.kernel_w;
  const bool relu = p.act == activation::relu;
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
          for (int64_t kw = 0; kw < KW; ++kw) {
            const float wv = wc[kh * KW + kw];
            const int64_t off = kw * p.dilation_w - p.pad_left;
            int64_t ow_lo, ow_hi;
            valid_range(0, OW, p.stride_w, off, W, &ow_lo, &ow_hi);
            if (p.stride_w == 1) {
              const float* src = xrow + off;
              for (int64_t ow = ow_lo; ow < ow_hi; ++ow) yrow[ow] += wv * src[ow];
            } else {
              for (int64_t ow = ow_lo; ow < ow_hi; ++ow) yrow[ow] += wv * xrow[ow * p.stride_w + off];
            }
          }
        }
        if (relu) {
          for (int64_t ow = 0; ow < OW; ++ow) yrow[ow] = yrow[ow] < 0.0f ? 0.0f : yrow[ow];
        }
      }
    }
  });
}

// Depthwise NHWC: vectorized over channels; the weight [Cout, KH, KW] is first transposed
// to [KH, KW, Cout] so each tap reads a contiguous channel vector.
void dwconv_nhwc(const conv2d_params& p, const float* x, const float* w, const float* b,
                 float* y) {
  const int64_t cin = p.in_channels, cout = p.out_channels, mult = cout / cin;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t KH = p.kernel_h, KW = p.kernel_w;
  const bool relu = p.act == activation::relu;
  std::vector<float> wt(static_cast<size_t>(KH * KW * cout));
  for (int64_t co = 0; co < cout; ++co) {
    for (int64_t k = 0; k < KH * KW; ++k) wt[k * cout + co] = w[co * KH * KW + k];
  }
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
        for (int64_t kh = 0; kh < KH; ++kh) {
          const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
          if (ih < 0 || ih >= H) continue;
          for (int64_t kw = 0; kw < KW; ++kw) {
            const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
            if (iw < 0 || iw >= W) continue;
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
          }
        }
        if (relu) {
          for (int64_t c = 0; c < cout; ++c) yv[c] = yv[c] < 0.0f ? 0.0f : yv[c];
        }
      }
    }
  });
}

}  // namespace

void conv2d(const conv2d_params& p, const float* x, const float* w, const float* b, float* y) {
  const bool depthwise = p.groups == p.in_channels && p.in_channels > 1;
  if (depthwise) {
    if (p.data_layout == layout::nchw) {
      dwconv_nchw(p, x, w, b, y);
    } else {
      dwconv_nhwc(p, x, w, b, y);
    }
  } else if (p.data_layout == layout::nchw) {
    conv2d_gemm_nchw(p, x, w, b, y);
  } else {
    conv2d_gemm_nhwc(p, x, w, b, y);
  }
}

}  // namespace convkit
