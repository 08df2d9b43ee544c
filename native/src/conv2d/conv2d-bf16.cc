// conv2d with bf16 operands (convkit/conv2d.h, conv2d_bf16): x and w rounded to bfloat16,
// products summed in fp32. With the bf16 instructions (sbgemm_native) and groups == 1:
//  - NCHW pointwise (1x1, stride 1, no padding): per image the GEMM of the weights and x itself,
//      y_n [Cout, HW] = w [Cout, Cin] . x_n [Cin, HW], then the epilogue;
//  - NHWC pointwise, strided or padded 1x1 (both layouts), and NHWC k x k on 16 input channels
//    or more, strided or of an even channel count: (image, tile of output positions, chunk of
//    output channels) tasks, each on one thread: im2col of the tile (im2col.h; NHWC pointwise
//    reads x itself), the GEMM with the weights as bf16 panels packed once per call (or once for
//    many calls, conv2d_bf16_prepack), and the epilogue: NHWC inside the GEMM on each register
//    tile (gemm_epilogue), NCHW after the tile's transpose while it is in cache. Per tile
//    (Kd = KH*KW*Cin, col as im2col lays it out):
//      NHWC yt [pt, Cout] = col [pt, Kd] . w^T           (written in place into y_n)
//      NCHW yt [pt, Cout] = col [Kd, pt]^T . w^T         (then transposed into y_n [Cout, OHW])
//    NHWC k x k of an even channel count converts x to bf16 pairs once per call and im2cols
//    the pairs: the col is already the GEMM's A, read in place (half of fp32 im2col's bytes, no
//    conversion or packing per tile).
// Elsewhere: the fp32 conv2d of the rounded operands (the same values up to the order of the
// sums, and Winograd's own error where it runs). Measured on this machine's Zen 5 (issue 17's
// notes) against the fp32 paths, weights prepacked, batch 4, 1 thread: ResNet-50's strided 3x3
// NHWC 2.1x faster, its stride-1 3x3 1.1-1.3x faster than fp32 Winograd (2x on 7 x 7 maps, where
// Winograd's tiles are a poor fit), strided 1x1 1.8-3.7x; the Cin-3 stem (the direct kernel reads
// no col matrix) 1.0x, and NCHW strided 3x3 0.5-1.35x (its im2col gathers every other element of
// a row, and the tile goes through a transpose), so those keep fp32 arithmetic.
#include <algorithm>
#include <vector>

#include "configs/conv2d-config.h"
#include "configs/copy-config.h"
#include "conv2d/im2col.h"
#include "conv2d/y-slice.h"
#include "convkit/conv2d.h"
#include "convkit/last-path.h"
#include "convkit/parallel.h"
#include "convkit/sbgemm.h"
#include "util/workspace.h"

namespace convkit {
namespace {

// The rounded copies of x and w for the fp32 path (this thread's, reused across calls).
thread_local workspace rounded_x_space, rounded_w_space;
// The weights' bf16 panels of one call (when the caller passed none), shared by its tiles.
thread_local workspace packed_w_space;
thread_local workspace tile_space;  // a task's [pt, Cout] output tile (NCHW, before its transpose)
thread_local workspace pairs_x_space;  // x as bf16 pairs (pairs_im2col), for one call

// Output rows worth a thread for the pointwise epilogue pass.
constexpr int64_t kEpilogueGrain = int64_t{1} << 15;

// NHWC k x k (not pointwise) with an even channel count: x converted to bf16 pairs once per
// call, the tiles' im2col copies pairs (half the bytes of fp32, no conversion when packing),
// and the GEMM reads that col in place.
bool pairs_im2col(const conv2d_params& p) {
  return p.data_layout == layout::nhwc && p.in_channels % 2 == 0 && !is_pointwise(p);
}

// The bf16 GEMM path exists for p and pays (see the top of the file).
bool bf16_gemm_path(const conv2d_params& p) {
  if (!sbgemm_native() || p.groups != 1) return false;
  if (p.kernel_h == 1 && p.kernel_w == 1) return true;
  if (p.data_layout != layout::nhwc || p.in_channels < 16) return false;
  return p.stride_h > 1 || p.stride_w > 1 || pairs_im2col(p);
}

// The tiled path (not the pointwise GEMM on x itself).
bool tiled(const conv2d_params& p) { return bf16_gemm_path(p) && !is_pointwise(p); }

// How a call is cut into (image, tile of output positions, chunk of output channels) tasks:
// tiles of at most `most` positions (im2col's ~2 MB of col; for NHWC pointwise, whose A is x
// itself, an output tile of ~512 KB, so the epilogue finds it in L2); with several threads,
// more tiles (of 64 positions or more) until there are two tasks per thread, and where a small
// output (a 7x7 map) cannot give that, chunks of the weights' panels too (each chunk's task
// redoes its tile's im2col and A packing, small there). Tiles are a multiple of 8 positions
// (the micro-kernel's rows).
struct bf16_split {
  int64_t tile, tiles, chunks;
};

bf16_split split_of(int64_t positions, int64_t most, int64_t images, int64_t panels, int threads) {
  most = std::max<int64_t>(32, most);
  int64_t tiles = (positions + most - 1) / most, chunks = 1;
  if (threads > 1) {
    const int64_t want = 2 * int64_t{threads};
    tiles = std::max(tiles, std::min((want + images - 1) / images, std::max<int64_t>(1, positions / 64)));
    chunks = std::clamp<int64_t>((want + images * tiles - 1) / (images * tiles), 1, panels);
  }
  const int64_t tile = std::min(positions, ((positions + tiles - 1) / tiles + 7) / 8 * 8);
  return {tile, (positions + tile - 1) / tile, chunks};
}

// The weights as op(B) of the tiles' GEMM: w [Cout, Kd] (OIHW or OHWI rows, as im2col orders
// the taps for that layout), transposed.
int64_t packed_weights_size(const conv2d_params& p) {
  return sbgemm_packed_b_size(p.out_channels, p.in_channels * p.kernel_h * p.kernel_w);
}

}  // namespace

int64_t conv2d_bf16_packed_size(const conv2d_params& p) {
  // Pointwise NCHW keeps the weights as the A operand (packed by the GEMM itself).
  if (!bf16_gemm_path(p) || (is_pointwise(p) && p.data_layout == layout::nchw)) return 0;
  return packed_weights_size(p);
}

void conv2d_bf16_prepack(const conv2d_params& p, const float* w, float* packed) {
  const int64_t kd = p.in_channels * p.kernel_h * p.kernel_w;
  if (conv2d_bf16_packed_size(p) > 0) sbgemm_pack_b(true, p.out_channels, kd, w, kd, packed);
}

void conv2d_bf16(const conv2d_params& p, const float* x, const float* w, const float* b, float* y,
                 const float* r) {
  conv2d_bf16_packed(p, x, w, nullptr, b, y, r);
}

void conv2d_bf16_packed(const conv2d_params& p, const float* x, const float* w, const float* packed, const float* b,
                        float* y, const float* r) {
  if (conv2d_y_is_slice(p)) {  // y a channel slice: the plain output, then the copy (y-slice.h)
    through_plain_y(p, y, [&](const conv2d_params& q, float* t) { conv2d_bf16_packed(q, x, w, packed, b, t, r); });
    return;
  }
  if (!bf16_gemm_path(p)) {
    const int64_t nx = conv2d_x_size(p), nw = conv2d_w_size(p);
    float* xr = rounded_x_space.get(static_cast<size_t>(nx));
    float* wr = rounded_w_space.get(static_cast<size_t>(nw));
    bf16_round_array(nx, x, xr);
    bf16_round_array(nw, w, wr);
    conv2d(p, xr, wr, b, y, r);
    return;
  }
  note_conv_path(conv_path::bf16_gemm);
  const int64_t Cin = p.in_channels, Cout = p.out_channels, OHW = p.out_height * p.out_width;
  const int64_t Kd = Cin * p.kernel_h * p.kernel_w, HW = p.in_height * p.in_width;
  const f32_conv2d_epilogue_fn epilogue = get_conv2d_config().epilogue;
  const f32_conv2d_epilogue_rows_fn epilogue_rows = get_conv2d_config().epilogue_rows;
  const float* bias = p.has_bias ? b : nullptr;
  const bool nhwc = p.data_layout == layout::nhwc;
  const int threads = get_num_threads();
  if (!nhwc && !tiled(p)) {
    // NCHW pointwise: per image one GEMM on x itself (the weights as A), over the threads.
    for (int64_t n = 0; n < p.batch; ++n) {
      const float* x_n = x + n * Cin * HW;
      float* y_n = y + n * Cout * OHW;
      const float* r_n = r ? r + n * Cout * OHW : nullptr;
      sbgemm(false, false, Cout, OHW, Kd, 1.0f, w, Kd, x_n, HW, 0.0f, y_n, OHW);
      parallel_for_large(Cout, Cout * OHW, kEpilogueGrain, [&](int64_t lo, int64_t hi) {
        for (int64_t co = lo; co < hi; ++co) {
          float* row = y_n + co * OHW;
          epilogue(row, row, OHW, bias ? bias[co] : 0.0f, nullptr, r_n ? r_n + co * OHW : nullptr, p.act);
        }
      });
    }
    return;
  }
  const int64_t width = sbgemm_panel_width(), panels = (Cout + width - 1) / width;
  // NHWC pointwise: x is [N*HW, Cin], A itself; its positions run across the images.
  const bool pointwise = !tiled(p);
  const int64_t images = pointwise ? 1 : p.batch, positions = pointwise ? p.batch * OHW : OHW;
  const bf16_split cut = split_of(positions, pointwise ? (int64_t{1} << 17) / Cout : kColBudgetFloats / Kd, images,
                                  panels, threads);
  if (packed == nullptr) {
    // Packed here, over the threads by panels (a 512 x 4608 weight is 9 MB of fp32).
    float* bp = packed_w_space.get(static_cast<size_t>(packed_weights_size(p)));
    parallel_for_large(panels, Cout * Kd, int64_t{1} << 16, [&](int64_t lo, int64_t hi) {
      const int64_t j0 = lo * width, j1 = std::min(Cout, hi * width);
      sbgemm_pack_b(true, j1 - j0, Kd, w + j0 * Kd, Kd, bp + sbgemm_packed_b_offset(j0, Kd));
    });
    packed = bp;
  }
  const f32_transpose_tile_fn transpose = get_copy_config().transpose_tile;
  // x as bf16 pairs, once for the call: [N, H, W, Cin / 2] (pairs_im2col).
  const bool pairs = pairs_im2col(p);
  const int64_t cp = Cin / 2, kdp = Kd / 2;
  conv2d_params pp = p;  // the geometry over pairs: im2col_nhwc copies 4-byte elements
  pp.in_channels = cp;
  uint32_t* xp = nullptr;
  if (pairs) {
    xp = reinterpret_cast<uint32_t*>(pairs_x_space.get(static_cast<size_t>(p.batch * HW * cp)));
    bf16_pairs(p.batch * HW * Cin, x, xp);
  }
  auto task = [&](int64_t t) {
    const int64_t chunk = t % cut.chunks, tile_of = t / cut.chunks;
    const int64_t n = tile_of / cut.tiles, p0 = (tile_of % cut.tiles) * cut.tile, pt = std::min(cut.tile, positions - p0);
    const int64_t c0 = panels * chunk / cut.chunks * width, c1 = std::min(Cout, panels * (chunk + 1) / cut.chunks * width);
    const float* x_n = x + n * Cin * HW;
    float* y_n = y + n * Cout * OHW;
    const float* r_n = r ? r + n * Cout * OHW : nullptr;
    const float* bp = packed + sbgemm_packed_b_offset(c0, Kd);
    if (nhwc) {
      // yt [pt, c1 - c0] in place in y_n; the epilogue inside the GEMM, on each tile in registers.
      float* yt = y_n + p0 * Cout + c0;
      const gemm_epilogue epi{bias ? bias + c0 : nullptr, r_n ? r_n + p0 * Cout + c0 : nullptr, p.act, epilogue_rows};
      if (pairs) {
        // col [pt, Kd / 2] pairs, rows up to the tile's multiple of 8 readable (the buffer's).
        uint32_t* col = reinterpret_cast<uint32_t*>(col_workspace().get(static_cast<size_t>(kdp * ((cut.tile + 7) / 8 * 8))));
        im2col_nhwc(pp, reinterpret_cast<const float*>(xp + n * HW * cp), 0, p0, pt, reinterpret_cast<float*>(col));
        sbgemm_pairs_a_prepacked_b(pt, c1 - c0, Kd, col, kdp, bp, yt, Cout, epi.any() ? &epi : nullptr);
        return;
      }
      const float* a = x_n + p0 * Cin;  // pointwise: rows p0.. of x
      if (!pointwise) {
        float* col = col_workspace().get(static_cast<size_t>(Kd * cut.tile));
        im2col_nhwc(p, x_n, 0, p0, pt, col);
        a = col;
      }
      sbgemm_prepacked_b(false, true, pt, c1 - c0, Kd, 1.0f, a, Kd, w + c0 * Kd, Kd, bp, 0.0f, yt, Cout,
                         epi.any() ? &epi : nullptr);
      return;
    }
    float* col = col_workspace().get(static_cast<size_t>(Kd * cut.tile));
    im2col_nchw(p, x_n, p0, pt, col);
    float* yt = tile_space.get(static_cast<size_t>(cut.tile * (c1 - c0)));
    sbgemm_prepacked_b(true, true, pt, c1 - c0, Kd, 1.0f, col, pt, w + c0 * Kd, Kd, bp, 0.0f, yt, c1 - c0);
    transpose(yt, c1 - c0, y_n + c0 * OHW + p0, OHW, pt, c1 - c0);
    for (int64_t co = c0; co < c1; ++co) {
      float* row = y_n + co * OHW + p0;
      epilogue(row, row, pt, bias ? bias[co] : 0.0f, nullptr, r_n ? r_n + co * OHW + p0 : nullptr, p.act);
    }
  };
  // Across the threads when there is a task for each (each task's GEMM then runs on its
  // thread, parallel_for inlining the nested call), else the one task with the GEMM on them.
  const int64_t tasks = images * cut.tiles * cut.chunks;
  if (threads > 1 && tasks >= threads) {
    parallel_for(tasks, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) task(t);
    });
  } else {
    for (int64_t t = 0; t < tasks; ++t) task(t);
  }
}

}  // namespace convkit
