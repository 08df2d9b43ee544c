// conv2d with bf16 operands (convkit/conv2d.h, conv2d_bf16): x and w rounded to bfloat16,
// products summed in fp32. With the bf16 instructions (sbgemm_native), 1x1 kernels and
// groups == 1 it is the GEMM of the weights and the col matrix (convkit/sbgemm.h), the col
// matrix being x itself for pointwise convolutions, im2col's (im2col.h) in tiles of output
// positions for strided or padded ones; then the epilogue (bias, residual, activation) over
// each tile while it is in cache.
//   NCHW, per image: y_n [Cout, OHW] = w [Cout, Kd] . col [Kd, tile]
//   NHWC, per image:  y_n [OHW, Cout] = col [tile, Kd] . w^T   (w [Cout, Kd], Kd = KH*KW*Cin)
// Elsewhere: the fp32 conv2d of the rounded operands (the same values up to the order of the
// sums, and Winograd's own error where it runs). Measured on this machine's Zen 5 at 1 thread
// (r3x3_56, r50_conv1's 7x7 / 2 on Cin 3): im2col + the bf16 GEMM ran 0.5-0.9x the fp32 paths
// (Winograd does 2.25x fewer multiplies; the direct kernel reads no col matrix), so those keep
// the fp32 arithmetic until bf16 has its own implicit GEMM and Winograd.
#include <algorithm>
#include <vector>

#include "configs/conv2d-config.h"
#include "conv2d/im2col.h"
#include "convkit/conv2d.h"
#include "convkit/sbgemm.h"
#include "util/workspace.h"

namespace convkit {
namespace {

// The rounded copies of x and w for the fp32 path (this thread's, reused across calls).
thread_local workspace rounded_x_space, rounded_w_space;

// The bf16 GEMM path exists for p.
bool bf16_gemm_path(const conv2d_params& p) {
  return sbgemm_native() && p.groups == 1 && p.kernel_h == 1 && p.kernel_w == 1;
}

}  // namespace

int64_t conv2d_bf16_packed_size(const conv2d_params& p) {
  return bf16_gemm_path(p) && p.data_layout == layout::nhwc ? sbgemm_packed_b_size(p.out_channels, p.in_channels) : 0;
}

void conv2d_bf16_prepack(const conv2d_params& p, const float* w, float* packed) {
  if (conv2d_bf16_packed_size(p) > 0) sbgemm_pack_b(true, p.out_channels, p.in_channels, w, p.in_channels, packed);
}

void conv2d_bf16(const conv2d_params& p, const float* x, const float* w, const float* b, float* y,
                 const float* r) {
  conv2d_bf16_packed(p, x, w, nullptr, b, y, r);
}

void conv2d_bf16_packed(const conv2d_params& p, const float* x, const float* w, const float* packed, const float* b,
                        float* y, const float* r) {
  if (!bf16_gemm_path(p)) {
    const int64_t nx = conv2d_x_size(p), nw = conv2d_w_size(p);
    float* xr = rounded_x_space.get(static_cast<size_t>(nx));
    float* wr = rounded_w_space.get(static_cast<size_t>(nw));
    bf16_round_array(nx, x, xr);
    bf16_round_array(nw, w, wr);
    conv2d(p, xr, wr, b, y, r);
    return;
  }
  const int64_t Cin = p.in_channels, Cout = p.out_channels, OHW = p.out_height * p.out_width;
  const int64_t Kd = Cin * p.kernel_h * p.kernel_w, HW = p.in_height * p.in_width;
  const f32_conv2d_epilogue_fn epilogue = get_conv2d_config().epilogue;
  const float* bias = p.has_bias ? b : nullptr;
  const bool pointwise = is_pointwise(p);
  // Output positions per GEMM: all of them for pointwise, else tiles of at most ~2 MB of col.
  const int64_t tile = pointwise ? OHW : tile_size(OHW, Kd, 1, 1);
  float* col = pointwise ? nullptr : col_workspace().get(static_cast<size_t>(Kd * tile));
  for (int64_t n = 0; n < p.batch; ++n) {
    const float* x_n = x + n * Cin * HW;
    float* y_n = y + n * Cout * OHW;
    const float* r_n = r ? r + n * Cout * OHW : nullptr;
    for (int64_t p0 = 0; p0 < OHW; p0 += tile) {
      const int64_t pt = std::min(tile, OHW - p0);
      if (p.data_layout == layout::nchw) {
        const float* src = x_n + p0;  // pointwise: x_n [Cin, HW] is col, columns p0..
        if (!pointwise) im2col_nchw(p, x_n, p0, pt, col), src = col;
        sbgemm(false, false, Cout, pt, Kd, 1.0f, w, Kd, src, pointwise ? HW : pt, 0.0f, y_n + p0, OHW);
        for (int64_t co = 0; co < Cout; ++co) {
          float* row = y_n + co * OHW + p0;
          epilogue(row, row, pt, bias ? bias[co] : 0.0f, nullptr, r_n ? r_n + co * OHW + p0 : nullptr, p.act);
        }
      } else {
        const float* src = x_n + p0 * Cin;  // pointwise: x_n [HW, Cin] is col, rows p0..
        if (!pointwise) im2col_nhwc(p, x_n, 0, p0, pt, col), src = col;
        float* yt = y_n + p0 * Cout;
        sbgemm_prepacked_b(false, true, pt, Cout, Kd, 1.0f, src, Kd, w, Kd, packed, 0.0f, yt, Cout);
        for (int64_t q = 0; q < pt; ++q) {
          epilogue(yt + q * Cout, yt + q * Cout, Cout, 0.0f, bias, r_n ? r_n + (p0 + q) * Cout : nullptr, p.act);
        }
      }
    }
  }
}

}  // namespace convkit
