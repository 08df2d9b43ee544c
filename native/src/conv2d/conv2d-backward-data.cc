// conv2d backward data (dx) driver.
//   stride 1 (pads <= dilation*(K-1), >= 2048 input positions): the forward conv2d of dy
//       with flipped, channel-swapped weights (backward_data_as_forward).
//   depthwise layers (groups == Cin): dwconv.cc.
// Everything else as below (the same algorithm choice as the forward):
// Per group g (Cin_g = Cin/G, Cout_g = Cout/G, Kd = Cin_g*KH*KW, P = OH*OW), for a tile of
// output positions:
//   NCHW: col[Kd, pt] = w_g^T[Kd, Cout_g] . dy_g[Cout_g, pt], then col2im into dx
//   NHWC: col[pt, Kd] = dy_g[pt, Cout_g] . w_g[Cout_g, Kd],   then col2im into dx
// 1x1 stride-1 unpadded layers skip col: dx is the col matrix already.
// Threads: whole images (x groups) across threads when there are enough of them, else one
// image at a time with threaded GEMMs (and, for NCHW, col2im split by channel plane). col is
// bounded by the forward's tile rule (about 2 MB per thread).
#include <algorithm>
#include <cstring>
#include <vector>

#include "conv2d/conv2d-backward.h"
#include "conv2d/dwconv.h"
#include "conv2d/im2col.h"
#include "conv2d/padded-input.h"
#include "conv2d/ukernel/ukernels.h"
#include "convkit/conv2d.h"
#include "convkit/last-path.h"
#include "convkit/gemm.h"
#include "convkit/isa.h"
#include "convkit/parallel.h"
#include "configs/gemm-config.h"
#include "util/workspace.h"

namespace convkit {

namespace {

constexpr int64_t kMinForwardPositions = 2048;  // dx as a forward convolution from this many

thread_local workspace flipped_space;  // the flipped, channel-swapped weights of dx as a forward

// Independent images (x groups) run across threads when they split evenly enough.
bool images_in_parallel(int64_t images, int64_t threads) {
  return threads > 1 && images >= threads && (images >= 2 * threads || images % threads == 0);
}

// ---- dx --------------------------------------------------------------------------------

void backward_data_nchw(const conv2d_params& p, const float* dy, const float* w, float* dx) {
  const int64_t G = p.groups, cin_g = p.in_channels / G, cout_g = p.out_channels / G;
  const int64_t kd = cin_g * p.kernel_h * p.kernel_w;
  const int64_t HW = p.in_height * p.in_width, P = p.out_height * p.out_width;
  const int64_t threads = get_num_threads();
  if (is_pointwise(p)) {  // dx_ng[Cin_g, P] = w_g^T[Cin_g, Cout_g] . dy_ng[Cout_g, P], tiled over P
    const int64_t pt = tile_size(P, 1, p.batch * G, threads);
    const int64_t tiles = (P + pt - 1) / pt;
    run_tasks(p.batch * G * tiles, threads, sgemm_splits_over_threads(cin_g, pt, cout_g), [&](int64_t t) {
      const int64_t n = t / (G * tiles), g = (t / tiles) % G, tile = t % tiles;
      const int64_t p0 = tile * pt, len = std::min(pt, P - p0);
      sgemm(true, false, cin_g, len, cout_g, 1.0f, w + g * cout_g * cin_g, cin_g,
            dy + (n * p.out_channels + g * cout_g) * P + p0, P, 0.0f,
            dx + (n * p.in_channels + g * cin_g) * HW + p0, HW);
    });
    return;
  }
  // Tiles of one image overlap in dx (neighbouring receptive fields), so they run in order.
  const int64_t images = p.batch * G;
  const int64_t pt = std::min(P, std::max(kMinTile, kColBudgetFloats / kd));
  auto image = [&](int64_t i) {
    const int64_t n = i / G, g = i % G;
    float* dx_ng = dx + (n * p.in_channels + g * cin_g) * HW;  // [Cin_g, H, W]
    const float* w_g = w + g * cout_g * kd;                     // [Cout_g, Kd]
    std::fill(dx_ng, dx_ng + cin_g * HW, 0.0f);
    for (int64_t p0 = 0; p0 < P; p0 += pt) {
      const int64_t len = std::min(pt, P - p0);
      float* col = col_workspace().get(static_cast<size_t>(kd * len));  // [Kd, len]
      sgemm(true, false, kd, len, cout_g, 1.0f, w_g, kd,
            dy + (n * p.out_channels + g * cout_g) * P + p0, P, 0.0f, col, len);
      parallel_for(cin_g, [&](int64_t lo, int64_t hi) { col2im_nchw(p, col, p0, len, dx_ng, lo, hi); });
    }
  };
  if (images_in_parallel(images, threads)) {
    parallel_for(images, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) image(i);
    });
  } else {
    for (int64_t i = 0; i < images; ++i) image(i);
  }
}

void backward_data_nhwc(const conv2d_params& p, const float* dy, const float* w, float* dx) {
  const int64_t G = p.groups, cin = p.in_channels, cout = p.out_channels;
  const int64_t cin_g = cin / G, cout_g = cout / G;
  const int64_t kd = p.kernel_h * p.kernel_w * cin_g;
  const int64_t HW = p.in_height * p.in_width, P = p.out_height * p.out_width;
  const int64_t threads = get_num_threads();
  if (is_pointwise(p)) {  // dx[NP, Cin](g) = dy[NP, Cout](g) . w_g[Cout_g, Cin_g], tiled over NP
    const int64_t NP = p.batch * P;
    const int64_t pt = tile_size(NP, 1, G, threads);
    const int64_t tiles = (NP + pt - 1) / pt;
    run_tasks(tiles * G, threads, sgemm_splits_over_threads(pt, cin_g, cout_g), [&](int64_t t) {
      const int64_t tile = t / G, g = t % G;
      const int64_t p0 = tile * pt, len = std::min(pt, NP - p0);
      sgemm(false, false, len, cin_g, cout_g, 1.0f, dy + p0 * cout + g * cout_g, cout,
            w + g * cout_g * cin_g, cin_g, 0.0f, dx + p0 * cin + g * cin_g, cin);
    });
    return;
  }
  const int64_t images = p.batch * G;
  const int64_t pt = std::min(P, std::max(kMinTile, kColBudgetFloats / kd));
  auto image = [&](int64_t i) {
    const int64_t n = i / G, g = i % G;
    float* dx_n = dx + n * HW * cin;  // [H, W, Cin]; this task owns group g's channels
    const float* w_g = w + g * cout_g * kd;  // [Cout_g, Kd]
    if (G == 1) {
      std::fill(dx_n, dx_n + HW * cin, 0.0f);
    } else {
      for (int64_t q = 0; q < HW; ++q) std::fill_n(dx_n + q * cin + g * cin_g, cin_g, 0.0f);
    }
    for (int64_t p0 = 0; p0 < P; p0 += pt) {
      const int64_t len = std::min(pt, P - p0);
      float* col = col_workspace().get(static_cast<size_t>(kd * len));  // [len, Kd]
      sgemm(false, false, len, kd, cout_g, 1.0f, dy + (n * P + p0) * cout + g * cout_g, cout,
            w_g, kd, 0.0f, col, kd);
      // One thread: splitting NHWC rows by channel block measured slower (shared cache lines).
      col2im_nhwc(p, col, g, p0, len, dx_n, 0, cin_g);
    }
  };
  if (images_in_parallel(images, threads)) {
    parallel_for(images, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) image(i);
    });
  } else {
    for (int64_t i = 0; i < images; ++i) image(i);
  }
}

// Stride 1 and every pad <= dilation*(K-1): dx is the forward convolution of dy with the
// weights flipped in both spatial axes and the channels swapped per group, padded by
// dilation*(K-1) - pad on each side (top' = d*(KH-1) - top, ...), same dilation, stride 1.
// The forward driver then picks its best algorithm for that shape.
bool transposed_as_forward(const conv2d_params& p) {
  const int64_t eh = p.dilation_h * (p.kernel_h - 1), ew = p.dilation_w * (p.kernel_w - 1);
  // The weight transform costs about what the forward spends on 100 positions (of all images)
  // per weight: below a few thousand positions the col2im path is as fast (r3x3_14, batch 1,
  // 196 positions: 1.8-2.2 ms against 1.3 ms for the forward itself).
  return p.stride_h == 1 && p.stride_w == 1 && p.pad_top <= eh && p.pad_bottom <= eh &&
         p.pad_left <= ew && p.pad_right <= ew &&
         p.batch * p.in_height * p.in_width >= kMinForwardPositions;
}

void backward_data_as_forward(const conv2d_params& p, const float* dy, const float* w, float* dx) {
  const int64_t G = p.groups, cin_g = p.in_channels / G, cout_g = p.out_channels / G;
  const int64_t KH = p.kernel_h, KW = p.kernel_w;
  const int64_t eh = p.dilation_h * (KH - 1), ew = p.dilation_w * (KW - 1);
  conv2d_params t = p;
  t.in_channels = p.out_channels, t.in_height = p.out_height, t.in_width = p.out_width;
  t.out_channels = p.in_channels, t.out_height = p.in_height, t.out_width = p.in_width;
  t.pad_top = eh - p.pad_top, t.pad_bottom = eh - p.pad_bottom;
  t.pad_left = ew - p.pad_left, t.pad_right = ew - p.pad_right;
  t.has_bias = false;
  t.act = activation::none;
  // w' [Cin, Cout_g, KH, KW] (NCHW) | [Cin, KH, KW, Cout_g] (NHWC), from w [Cout, Cin_g, KH, KW]
  // | [Cout, KH, KW, Cin_g]: w'(g*Cin_g + ci, co, kh, kw) = w(g*Cout_g + co, ci, KH-1-kh, KW-1-kw).
  float* wt = flipped_space.get(static_cast<size_t>(p.in_channels * cout_g * KH * KW));
  const bool nhwc = p.data_layout == layout::nhwc;
  const int64_t taps = KH * KW;
  constexpr int64_t kB = 16;  // 16 x 16 channel blocks: both sides stay in cache lines
  for (int64_t g = 0; g < G; ++g) {
    for (int64_t co0 = 0; co0 < cout_g; co0 += kB) {
      for (int64_t ci0 = 0; ci0 < cin_g; ci0 += kB) {
        const int64_t co1 = std::min(cout_g, co0 + kB), ci1 = std::min(cin_g, ci0 + kB);
        for (int64_t ci = ci0; ci < ci1; ++ci) {
          float* dst = wt + (g * cin_g + ci) * cout_g * taps;
          for (int64_t co = co0; co < co1; ++co) {
            const float* src = w + (g * cout_g + co) * cin_g * taps;
            for (int64_t k = 0; k < taps; ++k) {  // k' = taps-1-k: both axes flipped
              if (nhwc) {
                dst[k * cout_g + co] = src[(taps - 1 - k) * cin_g + ci];
              } else {
                dst[co * taps + k] = src[ci * taps + taps - 1 - k];
              }
            }
          }
        }
      }
    }
  }
  conv2d(t, dy, wt, nullptr, dx);
}

}  // namespace

void conv2d_backward_data(const conv2d_params& p, const float* dy, const float* w, float* dx) {
  if (!padded_copy_is_lean(p)) {  // absurd padding, stride or dilation: see padded-input.h
    note_conv_dx_path(conv_backward_path::ref);
    conv2d_backward_data_ref(p, dy, w, dx);
  } else if (!is_depthwise(p) && !is_pointwise(p) && transposed_as_forward(p)) {
    note_conv_dx_path(conv_backward_path::as_forward);
    backward_data_as_forward(p, dy, w, dx);
  } else if (is_depthwise(p)) {
    note_conv_dx_path(conv_backward_path::depthwise);
    if (p.data_layout == layout::nchw) {
      dwconv_backward_data_nchw(p, dy, w, dx);
    } else {
      dwconv_backward_data_nhwc(p, dy, w, dx);
    }
  } else if (p.data_layout == layout::nchw) {
    note_conv_dx_path(conv_backward_path::gemm);
    backward_data_nchw(p, dy, w, dx);
  } else {
    note_conv_dx_path(conv_backward_path::gemm);
    backward_data_nhwc(p, dy, w, dx);
  }
}

}  // namespace convkit
