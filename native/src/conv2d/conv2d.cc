// conv2d forward driver: picks the algorithm per shape.
//   depthwise (groups == Cin, Cout = m*Cin)  -> direct kernel, vectorized over W (NCHW) or C (NHWC)
//                                               (dwconv.cc)
//   1x1, stride 1, no padding                -> GEMM on the input as it is
//   1x1, stride > 1, no padding (ResNet's downsample; Cin/group above the direct kernel's)
//                                            -> the strided positions gathered into a compact
//                                               input, then that GEMM
//   3x3 stride 1, groups 1, >= 24 channels, >= 16 tiles, where the config has vectorized
//   transforms                               -> Winograd F(2x2, 3x3) (conv2d-winograd.cc)
//   small Cin/group, where the config has a direct kernel
//                                            -> direct kernel over a padded, stride-phase-split
//                                               copy of the input (no im2col, no GEMM packing)
//   anything else                            -> implicit GEMM (conv2d-igemm.cc)
// Bias, residual and activation (the epilogue, configs' epilogue row or the kernels' own
// registers) run on each output tile right after its GEMM, while it is still in cache.
#include <algorithm>
#include <cstring>
#include <vector>

#include "convkit/conv2d.h"
#include "convkit/gemm.h"
#include "convkit/last-path.h"
#include "convkit/parallel.h"
#include "conv2d/conv2d-igemm.h"
#include "conv2d/conv2d-winograd.h"
#include "conv2d/dwconv.h"
#include "conv2d/im2col.h"
#include "conv2d/padded-input.h"
#include "conv2d/y-slice.h"
#include "conv2d/ukernel/ukernels.h"
#include "configs/conv2d-config.h"
#include "util/workspace.h"

namespace convkit {
namespace {

// y tile [rows, cols] with row stride ld, in place: act(y + bias (per row or per column)
// + res), res (or null) the residual's tile with the same stride.
void epilogue(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias,
              bool bias_per_row, const float* res, activation act) {
  if (bias == nullptr && res == nullptr && act == activation::none) return;
  get_conv2d_config().epilogue_rows(y, rows, cols, ld, bias, bias_per_row, res, act);
}

// The epilogue of one GEMM's output y [rows, cols] (row stride ld) as a gemm_block_hook: each
// finished block of y gets its bias, residual and activation while it is in cache (a separate
// pass read all of y back: 45 us of a 0.13 ms 32 -> 16 1x1 NHWC conv over 112 x 112).
struct epilogue_hook_ctx {
  float* y;
  int64_t ld;
  const float* bias;
  bool bias_per_row;
  const float* res;
  activation act;
};

void epilogue_block(void* ctx, int64_t i0, int64_t m, int64_t j0, int64_t n) {
  const epilogue_hook_ctx& e = *static_cast<const epilogue_hook_ctx*>(ctx);
  const float* bias = e.bias == nullptr ? nullptr : e.bias + (e.bias_per_row ? i0 : j0);
  epilogue(e.y + i0 * e.ld + j0, m, n, e.ld, bias, e.bias_per_row,
           e.res != nullptr ? e.res + i0 * e.ld + j0 : nullptr, e.act);
}

// 1x1, stride 1, no padding: per image and group, x_ng [Cin_g, P] is already the col matrix.
// wp: null, or the GEMM's A panels of each group, prepacked (conv2d_prepack).
void conv2d_pointwise_nchw(const conv2d_params& p, const float* x, const float* w, const float* b,
                           float* y, const float* res, const float* wp = nullptr) {
  const int64_t G = p.groups, cin_g = p.in_channels / G, cout_g = p.out_channels / G;
  const int64_t P = p.out_height * p.out_width;
  const int64_t threads = get_num_threads();
  const int64_t pt = tile_size(P, 1, p.batch * G, threads);
  const int64_t tiles = (P + pt - 1) / pt;
  run_tasks(p.batch * G * tiles, threads, sgemm_splits_over_threads(cout_g, pt, cin_g), [&](int64_t t) {
    const int64_t n = t / (G * tiles), g = (t / tiles) % G, tile = t % tiles;
    const int64_t p0 = tile * pt, len = std::min(pt, P - p0);
    const float* x_ng = x + (n * p.in_channels + g * cin_g) * P;
    const float* w_g = w + g * cout_g * cin_g;  // [Cout_g, Cin_g]
    const int64_t at = (n * p.out_channels + g * cout_g) * P + p0;  // [Cout_g, len], ld P
    const float* bias = p.has_bias ? b + g * cout_g : nullptr;
    if (wp != nullptr) {
      epilogue_hook_ctx e{y + at, P, bias, true, res != nullptr ? res + at : nullptr, p.act};
      const gemm_block_hook hook{epilogue_block, &e};
      sgemm_prepacked_a(false, false, cout_g, len, cin_g, 1.0f, w_g, cin_g,
                        wp + g * sgemm_packed_a_size(cout_g, cin_g), x_ng + p0, P, 0.0f, y + at, P, &hook);
    } else {
      sgemm(false, false, cout_g, len, cin_g, 1.0f, w_g, cin_g, x_ng + p0, P, 0.0f, y + at, P);
      epilogue(y + at, cout_g, len, P, bias, true, res != nullptr ? res + at : nullptr, p.act);
    }
  });
}

// Fewest positions per thread for conv2d_pointwise_nhwc's split of positions over threads.
constexpr int64_t kMinRangePositions = 16;

// 1x1, stride 1, no padding, NHWC: one GEMM over all N*H*W positions, x is [NP, Cin].
// wp: null, or the GEMM's B panels of each group, prepacked (conv2d_prepack).
void conv2d_pointwise_nhwc(const conv2d_params& p, const float* x, const float* w, const float* b,
                           float* y, const float* res, const float* wp = nullptr) {
  const int64_t G = p.groups, cin_g = p.in_channels / G, cout_g = p.out_channels / G;
  const int64_t P = p.batch * p.out_height * p.out_width;
  const int64_t threads = get_num_threads();
  int64_t pt = tile_size(P, 1, G, threads);
  int64_t tiles = (P + pt - 1) / pt;
  // Prepacked weights (a model's layer) and too few tiles for the threads: one range of
  // positions per thread rather than one GEMM split over output channels, so each thread writes
  // the positions that the same thread reads in the next layer (depthwise and pooling split
  // output rows in the same order) instead of half of every position's channels, which the
  // other core then reads across (MobileNetV2's 14x14 blocks at 2 threads: a depthwise layer
  // after a channel-split 1x1 ran slower than on 1 thread); no repacking, the weights are packed
  // already. One range per thread (each thread reads the weights once: 512 -> 1000 over 13x13
  // on 2 threads 0.513 -> 0.468 ms against two per thread, 384 -> 64 0.0255 -> 0.023), else two,
  // else fewer ranges than threads. They run in parallel however few (run_tasks wants two per
  // thread: a layer with one B panel, <= 32 output channels, ran on one thread, 256 -> 32 over
  // 27x27 0.061 ms on 1 thread, 0.057 on 2).
  // Every tile or range stays above sgemm's small-product cut (16^3 multiply-adds) and on the
  // whole product's side of its one-k-block cut, so each runs the blocked kernel as the whole
  // product would, prepacked or not: the same bits at any thread count. The tiles made to feed
  // the threads can cross that cut (28 x 28 positions, 512 -> 128, on 2 threads: 4 tiles of 196
  // would each run in one k block of 512, the whole product in k blocks of the plan's kc): then
  // ranges (2 of 392), or else the whole product as one task, threaded inside the GEMM.
  const bool one_block = sgemm_one_k_block(P, cout_g, cin_g);
  const bool tiles_cross = sgemm_one_k_block(pt, cout_g, cin_g) != one_block;
  bool split_positions = false;
  if (threads > 1 && ((wp != nullptr && tiles * G < 2 * threads) || tiles_cross) &&
      P >= kMinRangePositions * 2 * threads) {
    auto try_parts = [&](int64_t parts) {
      const int64_t split = (P + parts - 1) / parts;
      if (split * cin_g * cout_g > 16 * 16 * 16 && sgemm_one_k_block(split, cout_g, cin_g) == one_block) {
        pt = split;
        tiles = (P + pt - 1) / pt;
        split_positions = true;
      }
      return split_positions;
    };
    if (!try_parts(threads) && !try_parts(2 * threads)) {
      for (int64_t parts = threads - 1; parts >= 2 && !try_parts(parts); --parts) {
      }
    }
  }
  if (!split_positions && tiles_cross) pt = P, tiles = 1;
  // y's pixel stride: Cout, or a slice's wider one (no residual then: writes_y_slice).
  const int64_t ldy = conv2d_y_channels(p);
  auto task = [&](int64_t t) {
    const int64_t tile = t / G, g = t % G;
    const int64_t p0 = tile * pt, len = std::min(pt, P - p0);
    const float* w_g = w + g * cout_g * cin_g;  // [Cout_g, Cin_g], used transposed
    const int64_t at = p0 * ldy + g * cout_g;  // [len, Cout_g], ld ldy
    const float* a = x + p0 * p.in_channels + g * cin_g;  // [len, Cin_g], ld Cin
    const float* bias = p.has_bias ? b + g * cout_g : nullptr;
    if (wp != nullptr) {
      // The epilogue inside the GEMM's tiles (gemm_epilogue), when there is one.
      const gemm_epilogue epi{bias, res != nullptr ? res + at : nullptr, p.act, get_conv2d_config().epilogue_rows};
      sgemm_prepacked(false, true, len, cout_g, cin_g, 1.0f, a, p.in_channels, w_g, cin_g,
                      wp + g * sgemm_packed_b_size(cout_g, cin_g), 0.0f, y + at, ldy, nullptr,
                      epi.any() ? &epi : nullptr);
    } else {
      sgemm(false, true, len, cout_g, cin_g, 1.0f, a, p.in_channels, w_g, cin_g, 0.0f, y + at, ldy);
      epilogue(y + at, len, cout_g, ldy, bias, false, res != nullptr ? res + at : nullptr, p.act);
    }
  };
  if (split_positions) {
    parallel_for(tiles * G, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) task(t);
    });
  } else {
    run_tasks(tiles * G, threads, sgemm_splits_over_threads(pt, cout_g, cin_g), task);
  }
}

constexpr int64_t kDirectBlock = 8;                       // output channels per kernel call

constexpr int64_t kDirectChunk = 480;                     // flat positions per task (10 x 48)
// Worth waking a thread for (parallel_for_large): floats of the padded copy, multiply-adds of
// the kernel (~1 MFLOP, 5 us on one core, from twice this).
constexpr int64_t kDirectCopyGrain = int64_t{1} << 14;
constexpr int64_t kDirectMacGrain = int64_t{1} << 18;
constexpr int64_t kPackBudgetFloats = int64_t{1} << 22;   // 16 MB of padded images at once

// Small Cin per group: im2col + GEMM would spend more on copying and packing than on FMAs.
bool use_direct(const conv2d_params& p) {
  if (get_conv2d_config().direct == nullptr || is_pointwise(p)) return false;
  const int64_t cin_g = p.in_channels / p.groups;
  return cin_g <= 16 && cin_g * p.kernel_h * p.kernel_w <= 1024;
}

// Direct convolution, both layouts. Per image n and group g the padded copy xp is built,
// then every task computes all output-channel blocks of one chunk of output positions:
//   stride 1x1: positions q = oh*rowlen + ow of a flat grid (columns ow >= OW are computed and
//               dropped), so one kernel call covers many rows;
//   otherwise:  one output row per kernel call.
// The kernel finishes its outputs (bias, residual, activation) in registers where it writes y
// itself (NCHW, stride > 1); into a tile it adds only the bias, and the activation too when
// there is no residual. The tile is then finished as it is copied out: NCHW by the epilogue
// row (residual + activation), NHWC by adding the residual into the tile (its gather has the
// scatter's pattern), the epilogue row over the tile's rows, then the scatter.
void conv2d_direct(const conv2d_params& p, const float* x, const float* w, const float* b,
                   float* y, const float* res) {
  const int64_t G = p.groups, cin_g = p.in_channels / G, cout_g = p.out_channels / G;
  const int64_t KH = p.kernel_h, KW = p.kernel_w, kd = cin_g * KH * KW;
  const int64_t OH = p.out_height, OW = p.out_width, P = OH * OW;
  const int64_t H = p.in_height, W = p.in_width;
  const bool nhwc = p.data_layout == layout::nhwc;
  const activation act = p.act;
  const activation tile_act = res != nullptr ? activation::none : act;  // see above
  const f32_conv2d_direct_fn direct = get_conv2d_config().direct;
  const f32_conv2d_epilogue_fn epi = get_conv2d_config().epilogue;
  const f32_conv2d_tile_to_nhwc_fn to_nhwc = get_conv2d_config().direct_to_nhwc;  // set with direct
  const int64_t cout = p.out_channels;
  // NHWC: tile [rows][ld] columns [j0, j0 + cnt) are the consecutive positions from pos0 of
  // image n, channels [c0, c0 + rows) of y: finishes them (residual, activation) and stores.
  auto store_nhwc = [&](float* tile, int64_t ld, int64_t j0, int64_t cnt, int64_t n,
                        int64_t pos0, int64_t c0, int64_t rows) {
    const int64_t base = (n * P + pos0) * cout + c0;
    if (res != nullptr) {
      for (int64_t i = 0; i < cnt; ++i) {
        const float* rv = res + base + i * cout;
        for (int64_t r = 0; r < rows; ++r) tile[r * ld + j0 + i] += rv[r];
      }
      if (act != activation::none) {
        for (int64_t r = 0; r < rows; ++r) {
          epi(tile + r * ld + j0, tile + r * ld + j0, cnt, 0.0f, nullptr, nullptr, act);
        }
      }
    }
    to_nhwc(tile + j0, ld, y + base, cout, cnt, rows);
  };
  const bool flat = p.stride_h == 1 && p.stride_w == 1;
  // Unpadded stride-1 NCHW (LeNet's layers): x's planes already are the flat grid's input
  // (rows W apart, planes H*W), read in place; the flat positions' taps end inside each
  // group's last plane. Copying them cost lenet2 (64 x 6 x 14 x 14, 5x5) 7% of its time.
  const bool x_in_place = !nhwc && flat && p.pad_top == 0 && p.pad_bottom == 0 && p.pad_left == 0 && p.pad_right == 0;
  padded_input geo = padded_geometry(p);
  if (x_in_place) geo.plane = H * W;
  const std::vector<int64_t> tap = tap_offsets(p, geo, cin_g);
  const int64_t blocks = (cout_g + kDirectBlock - 1) / kDirectBlock;
  // wp [G, blocks, kd, 8] (k in (ci, kh, kw) order), bp [G, blocks, 8]; zero past cout_g.
  const int64_t wp_size = G * blocks * kd * kDirectBlock;
  float* wp = packed_weights_space().get(static_cast<size_t>(wp_size + G * blocks * kDirectBlock));
  float* bp = wp + wp_size;
  std::fill(wp, wp + wp_size + G * blocks * kDirectBlock, 0.0f);
  for (int64_t g = 0; g < G; ++g) {
    for (int64_t co = 0; co < cout_g; ++co) {
      const int64_t oc = g * cout_g + co;
      float* dst = wp + ((g * blocks + co / kDirectBlock) * kd) * kDirectBlock + co % kDirectBlock;
      const float* src = w + oc * kd;  // filter oc: NCHW (ci, kh, kw), NHWC (kh, kw, ci)
      if (nhwc) {
        for (int64_t t = 0; t < KH * KW; ++t) {
          for (int64_t ci = 0; ci < cin_g; ++ci) dst[(ci * KH * KW + t) * kDirectBlock] = src[t * cin_g + ci];
        }
      } else {
        for (int64_t k = 0; k < kd; ++k) dst[k * kDirectBlock] = src[k];
      }
      if (p.has_bias) bp[(g * blocks + co / kDirectBlock) * kDirectBlock + co % kDirectBlock] = b[oc];
    }
  }
  const int64_t nflat = (OH - 1) * geo.rowlen + OW;  // flat positions per image
  const int64_t chunk = flat ? kDirectChunk : std::max<int64_t>(1, kDirectChunk / OW);  // positions | rows
  const int64_t chunks = flat ? (nflat + chunk - 1) / chunk : (OH + chunk - 1) / chunk;
  const int64_t image_floats = G * cin_g * geo.plane;
  const int64_t per_pass = std::max<int64_t>(1, kPackBudgetFloats / std::max<int64_t>(image_floats, 1));
  float* xp_all = x_in_place ? nullptr : padded_images_space().get(static_cast<size_t>(std::min(per_pass, p.batch) * image_floats));
  const int64_t in_image = p.in_channels * H * W;
  const int64_t threads = get_num_threads();
  for (int64_t n0 = 0; n0 < p.batch; n0 += per_pass) {
    const int64_t nb = std::min(per_pass, p.batch - n0);
    // The padded copies, in bands of rows when there are fewer images x groups than twice
    // the threads: a stem (one image, Cin 3) was copied by one thread while the other waited,
    // and the other then read half of the copy from this core's cache. Band b of an image is
    // its rows [Hp*b/bands, Hp*(b+1)/bands): thread t copies the rows its output chunks read.
    const int64_t bands = nb * G >= 2 * threads ? 1 : std::min(geo.hp, (2 * threads + nb * G - 1) / (nb * G));
    // Both passes stay on the calling thread when they are too small to pay for waking one
    // (a 1x4x8x8 3x3 conv on 2 threads cost 4.5 us a call against 3.2 on 1, the pool woken
    // for four bands of a 10 x 10 copy).
    if (!x_in_place) parallel_for_large(nb * G * bands, nb * image_floats, kDirectCopyGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t img = t / bands, band = t % bands;
        const int64_t n = n0 + img / G, g = img % G;
        pack_padded_rows(p, geo, x + n * in_image, g, geo.hp * band / bands, geo.hp * (band + 1) / bands,
                         xp_all + img * cin_g * geo.plane);
      }
    });
    // Tasks: (image and group, chunk, run of channel blocks). The blocks are split only when
    // the chunks alone give the threads too few tasks (a 16 -> 64 3x3 conv over 55 x 55 has 7
    // chunks: 2 threads ran it 0.96-1.15x as fast as 1 without the split, 1.27-1.33x with it).
    const int64_t per_block_run = nb * G * chunks;
    const int64_t runs = threads > 1 && per_block_run < 4 * threads
                             ? std::min(blocks, (4 * threads + per_block_run - 1) / per_block_run)
                             : 1;
    parallel_for_large(per_block_run * runs, nb * G * P * cout_g * kd, kDirectMacGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t task = lo; task < hi; ++task) {
        const int64_t t = task / runs, run = task % runs;
        const int64_t blk_begin = blocks * run / runs, blk_end = blocks * (run + 1) / runs;
        const int64_t img = t / chunks, c = t % chunks;
        const int64_t n = n0 + img / G, g = img % G;
        const float* xp = x_in_place ? x + n * in_image + g * cin_g * geo.plane : xp_all + img * cin_g * geo.plane;
        const float* wg = wp + g * blocks * kd * kDirectBlock;
        const float* bg = bp + g * blocks * kDirectBlock;
        float* y_n = y + n * p.out_channels * P;
        if (flat) {
          const int64_t q0 = c * chunk, len = std::min(chunk, nflat - q0);
          float* tile = col_workspace().get(static_cast<size_t>(kDirectBlock * len));  // [8, len]
          for (int64_t blk = blk_begin; blk < blk_end; ++blk) {
            const int64_t co0 = blk * kDirectBlock, rows = std::min(kDirectBlock, cout_g - co0);
            direct(kd, tap.data(), wg + blk * kd * kDirectBlock, xp + q0, len, tile, len, rows,
                   bg + blk * kDirectBlock, nullptr, tile_act);
            // tile column j is flat position q0 + j = oh*rowlen + ow; keep ow < OW.
            int64_t j = 0;
            while (j < len) {
              const int64_t q = q0 + j, oh = q / geo.rowlen, ow = q % geo.rowlen;
              const int64_t seg = std::min(len - j, geo.rowlen - ow);
              const int64_t keep = std::max<int64_t>(0, std::min(seg, OW - ow));
              if (keep > 0 && !nhwc) {
                for (int64_t r = 0; r < rows; ++r) {
                  const int64_t at = (g * cout_g + co0 + r) * P + oh * OW + ow;
                  if (res != nullptr) {
                    epi(y_n + at, tile + r * len + j, keep, 0.0f, nullptr, res + n * cout * P + at, act);
                  } else {
                    std::memcpy(y_n + at, tile + r * len + j, keep * sizeof(float));
                  }
                }
              } else if (keep > 0) {
                store_nhwc(tile, len, j, keep, n, oh * OW + ow, g * cout_g + co0, rows);
              }
              j += seg;
            }
          }
        } else {
          const int64_t oh0 = c * chunk, oh1 = std::min(OH, oh0 + chunk);
          float* tile = col_workspace().get(static_cast<size_t>(kDirectBlock * OW));  // [8, OW]
          // Block-major, so one block's weights ([kd, 8]) stay in L1 across the rows.
          for (int64_t blk = blk_begin; blk < blk_end; ++blk) {
            const int64_t co0 = blk * kDirectBlock, rows = std::min(kDirectBlock, cout_g - co0);
            const float* wb = wg + blk * kd * kDirectBlock;
            for (int64_t oh = oh0; oh < oh1; ++oh) {
              const float* xrow = xp + oh * p.stride_h * geo.rowlen;
              if (!nhwc) {
                const int64_t at = (g * cout_g + co0) * P + oh * OW;
                direct(kd, tap.data(), wb, xrow, OW, y_n + at, P, rows, bg + blk * kDirectBlock,
                       res != nullptr ? res + n * cout * P + at : nullptr, act);
              } else {
                direct(kd, tap.data(), wb, xrow, OW, tile, OW, rows, bg + blk * kDirectBlock,
                       nullptr, tile_act);
                store_nhwc(tile, OW, 0, OW, n, oh * OW, g * cout_g + co0, rows);
              }
            }
          }
        }
      }
    });
  }
}

// Direct NHWC, one group of at most kDirectNhwcMaxCin input channels (a stem, SqueezeNet's
// 16-channel expand layers), where the config has the kernel: per image a padded NHWC copy,
// then tasks of output rows, each row one call of config.direct_nhwc with the weights packed
// [KH*KW*Cin][ldw] (channels in the lanes). Against `direct` (planar copy, 8-channel tiles
// transposed into pixels), 1 / 2 threads: 3 -> 32 3x3/2 at 224 0.23 -> 0.13 ms; 16 -> 64 3x3
// at 55 0.30 -> 0.26 / 0.20 -> 0.15 ms; 16 -> 32 3x3/2 at 28 27 -> 15 / 38 -> 15 us; 8 -> 32
// 3x3 at 56 even. Not for half a vector of output channels or fewer (config.direct_nhwc_lanes):
// AVX-512, Cout <= 8 in 16 lanes against the planar tiles' 8: 3 -> 8 5x5 at 64 (the suite's
// seed) 0.051 -> 0.033 ms, 1 -> 6 5x5 at 28 batch 64 (lenet1) 0.20 -> 0.16; from 10 channels
// the row kernel wins (6 -> 10..16 5x5 at 14 batch 64: 0.18-0.21 against 0.25-0.29). AVX2's 8
// lanes: 1 -> 6 0.35 -> 0.20, 3 -> 8 0.057 -> 0.054, 4 -> 4 3x3 even.
constexpr int64_t kDirectNhwcMaxCin = 16;

bool use_direct_nhwc(const conv2d_params& p) {
  const conv2d_config& cfg = get_conv2d_config();
  return p.data_layout == layout::nhwc && p.groups == 1 && p.in_channels <= kDirectNhwcMaxCin &&
         cfg.direct_nhwc != nullptr && 2 * p.out_channels > cfg.direct_nhwc_lanes && use_direct(p);
}

void conv2d_direct_nhwc(const conv2d_params& p, const float* x, const float* w, const float* b, float* y,
                        const float* res) {
  const int64_t C = p.in_channels, cout = p.out_channels, KH = p.kernel_h, KW = p.kernel_w;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t hp = p.pad_top + H + p.pad_bottom, wp = p.pad_left + W + p.pad_right;
  const int64_t kd = KH * KW * C, ldw = (cout + 15) / 16 * 16, ldy = conv2d_y_channels(p);
  // Weights [kd][ldw] in (kh, kw, ci) order, then the bias row; zeros past cout.
  float* wq = packed_weights_space().get(static_cast<size_t>((kd + 1) * ldw));
  float* bq = wq + kd * ldw;
  std::fill(wq, wq + (kd + 1) * ldw, 0.0f);
  for (int64_t co = 0; co < cout; ++co) {
    for (int64_t k = 0; k < kd; ++k) wq[k * ldw + co] = w[co * kd + k];  // NHWC w is [Cout][KH][KW][Cin]
    if (p.has_bias) bq[co] = b[co];
  }
  std::vector<int64_t> tap(static_cast<size_t>(kd));
  for (int64_t kh = 0; kh < KH; ++kh) {
    for (int64_t kw = 0; kw < KW; ++kw) {
      for (int64_t ci = 0; ci < C; ++ci) {
        tap[(kh * KW + kw) * C + ci] = (kh * p.dilation_h * wp + kw * p.dilation_w) * C + ci;
      }
    }
  }
  const int64_t image = hp * wp * C;  // addressable: padded_copy_is_lean
  const int64_t per_pass = std::max<int64_t>(1, kPackBudgetFloats / image);
  float* xp = padded_images_space().get(static_cast<size_t>(std::min(per_pass, p.batch) * image));
  const f32_conv2d_direct_nhwc_row_fn row = get_conv2d_config().direct_nhwc;
  for (int64_t n0 = 0; n0 < p.batch; n0 += per_pass) {
    const int64_t nb = std::min(per_pass, p.batch - n0);
    // The padded copies, a padded row per task.
    parallel_for_large(nb * hp, nb * image, int64_t{1} << 14, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t n = t / hp, r = t % hp, ih = r - p.pad_top;
        float* dst = xp + n * image + r * wp * C;
        if (ih < 0 || ih >= H) {
          std::fill(dst, dst + wp * C, 0.0f);
          continue;
        }
        std::fill(dst, dst + p.pad_left * C, 0.0f);
        std::memcpy(dst + p.pad_left * C, x + ((n0 + n) * H + ih) * W * C, static_cast<size_t>(W * C) * sizeof(float));
        std::fill(dst + (p.pad_left + W) * C, dst + wp * C, 0.0f);
      }
    });
    parallel_for_large(nb * OH, nb * OH * OW * cout, int64_t{1} << 12, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t n = t / OH, oh = t % OH;
        const int64_t pixel = ((n0 + n) * OH + oh) * OW;  // y's pixel stride ldy: a slice's (no residual then)
        row(kd, tap.data(), wq, ldw, xp + n * image + oh * p.stride_h * wp * C, p.stride_w * C, OW, bq, cout,
            ldy, y + pixel * ldy, res != nullptr ? res + pixel * cout : nullptr, p.act);
      }
    });
  }
}

// 1x1, unpadded, stride > 1, where the direct kernel does not take it: ResNet's downsample.
bool is_strided_pointwise(const conv2d_params& p) {
  return p.kernel_h == 1 && p.kernel_w == 1 && (p.stride_h > 1 || p.stride_w > 1) && p.pad_top == 0 &&
         p.pad_bottom == 0 && p.pad_left == 0 && p.pad_right == 0 && !use_direct(p);
}

thread_local workspace strided_x_space;  // the compact input of a strided 1x1 call

// The strided 1x1 call as a stride-1 one on the gathered input: x [N, H, W, Cin] (or NCHW) ->
// xc [N, OH, OW, Cin] (or [N, Cin, OH, OW]) holding the positions the stride reads, and p for
// it. The implicit GEMM read them through its padded copy: ResNet-50's downsamples (256 -> 512 at
// 56 / 2, 512 -> 1024 at 28 / 2, 1024 -> 2048 at 14 / 2), NHWC, 1 thread, 1.51-1.82 ms against
// 1.00-1.19 for a gather and the 1x1 GEMM (measured with the gather in JS).
const float* gather_strided(const conv2d_params& p, const float* x, conv2d_params& compact) {
  const int64_t N = p.batch, C = p.in_channels, H = p.in_height, W = p.in_width;
  const int64_t OH = p.out_height, OW = p.out_width, sh = p.stride_h, sw = p.stride_w;
  float* xc = strided_x_space.get(static_cast<size_t>(N * C * OH * OW));
  const bool nhwc = p.data_layout == layout::nhwc;
  // Rows of the compact input: NHWC (n, oh), NCHW (n, c, oh).
  const int64_t rows = nhwc ? N * OH : N * C * OH;
  parallel_for_large(rows, N * C * OH * OW, int64_t{1} << 15, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const int64_t oh = r % OH, plane = r / OH;  // plane: n (NHWC) or n*C + c (NCHW)
      if (nhwc) {
        const float* src = x + (plane * H + oh * sh) * W * C;
        float* dst = xc + r * OW * C;
        for (int64_t ow = 0; ow < OW; ++ow) std::memcpy(dst + ow * C, src + ow * sw * C, C * sizeof(float));
      } else {
        const float* src = x + (plane * H + oh * sh) * W;
        float* dst = xc + r * OW;
        for (int64_t ow = 0; ow < OW; ++ow) dst[ow] = src[ow * sw];
      }
    }
  });
  compact = p;
  compact.in_height = OH, compact.in_width = OW, compact.stride_h = 1, compact.stride_w = 1;
  return xc;
}

// The algorithm conv2d takes for p, in its order of preference. conv2d() dispatches on it, and
// every question about "the path conv2d takes" (prepacked forms, y slices) asks it too.
enum class algo { ref, winograd, depthwise, direct_nhwc, direct, strided_pointwise, igemm, pointwise };

algo choose_algo(const conv2d_params& p) {
  if (!padded_copy_is_lean(p)) return algo::ref;  // absurd padding, stride or dilation: see padded-input.h
  const bool depthwise = p.groups == p.in_channels && p.in_channels > 1;
  if (!depthwise && use_winograd(p)) return algo::winograd;
  if (depthwise) return algo::depthwise;
  if (use_direct_nhwc(p)) return algo::direct_nhwc;
  if (use_direct(p)) return algo::direct;
  if (is_strided_pointwise(p)) return algo::strided_pointwise;
  return is_pointwise(p) ? algo::pointwise : algo::igemm;
}

// The 1x1 GEMM (the path with a prepacked form: the weights are its B operand in NHWC, its A
// operand in NCHW), on x or, strided, on the gathered input.
bool takes_pointwise(algo a) { return a == algo::pointwise || a == algo::strided_pointwise; }

// Whether the path conv2d takes writes a y slice (y_channels) itself: the NHWC 1x1 GEMM and
// the direct NHWC kernel without a residual (the slice's pixel stride is their ldc / ldy,
// which the residual would share) and NHWC Winograd (its output transform writes each pixel's
// channels). The rest: through_plain_y.
bool writes_y_slice(const conv2d_params& p, const float* r) {
  const algo a = choose_algo(p);
  return p.data_layout == layout::nhwc &&
         (((takes_pointwise(a) || a == algo::direct_nhwc) && r == nullptr) || a == algo::winograd);
}

// Depthwise NHWC on the row kernel (as conv2d takes it): its transposed taps prepacked.
bool takes_depthwise_packed(algo a, const conv2d_params& p) {
  return a == algo::depthwise && dwconv_nhwc_packed_size(p) > 0;
}

int64_t packed_group_size(const conv2d_params& p) {
  const int64_t cin_g = p.in_channels / p.groups, cout_g = p.out_channels / p.groups;
  return p.data_layout == layout::nhwc ? sgemm_packed_b_size(cout_g, cin_g)
                                       : sgemm_packed_a_size(cout_g, cin_g);
}

}  // namespace

int64_t conv2d_packed_size(const conv2d_params& p) {
  const algo a = choose_algo(p);
  if (takes_depthwise_packed(a, p)) return dwconv_nhwc_packed_size(p);
  if (a == algo::winograd) return winograd_packed_size(p);
  return takes_pointwise(a) ? p.groups * packed_group_size(p) : 0;
}

void conv2d_prepack(const conv2d_params& p, const float* w, float* packed) {
  const algo a = choose_algo(p);
  if (takes_depthwise_packed(a, p)) {
    dwconv_nhwc_prepack(p, w, packed);
    return;
  }
  if (a == algo::winograd) {
    winograd_prepack(p, w, packed);
    return;
  }
  if (!takes_pointwise(a)) return;
  const int64_t cin_g = p.in_channels / p.groups, cout_g = p.out_channels / p.groups;
  const int64_t per_group = packed_group_size(p);
  for (int64_t g = 0; g < p.groups; ++g) {
    const float* w_g = w + g * cout_g * cin_g;  // [Cout_g, Cin_g]
    float* dst = packed + g * per_group;
    if (p.data_layout == layout::nhwc) {
      sgemm_pack_b(true, cout_g, cin_g, w_g, cin_g, dst);
    } else {
      sgemm_pack_a(false, cout_g, cin_g, w_g, cin_g, dst);
    }
  }
}

void conv2d_packed(const conv2d_params& p, const float* x, const float* w, const float* packed,
                   const float* b, float* y, const float* r) {
  if (conv2d_y_is_slice(p) && !writes_y_slice(p, r)) {
    through_plain_y(p, y, [&](const conv2d_params& q, float* t) { conv2d_packed(q, x, w, packed, b, t, r); });
    return;
  }
  const algo a = choose_algo(p);
  if (takes_depthwise_packed(a, p)) {
    note_conv_path(conv_path::depthwise);
    dwconv_forward_packed(p, x, packed, b, y, r);
    return;
  }
  if (a == algo::winograd) {
    note_conv_path(conv_path::winograd);
    conv2d_winograd(p, x, w, b, y, r, packed);
    return;
  }
  if (!takes_pointwise(a)) {
    conv2d(p, x, w, b, y, r);
    return;
  }
  note_conv_path(conv_path::pointwise_prepacked);
  conv2d_params compact;
  const float* xs = is_pointwise(p) ? x : gather_strided(p, x, compact);
  const conv2d_params& q = is_pointwise(p) ? p : compact;
  if (p.data_layout == layout::nhwc) {
    conv2d_pointwise_nhwc(q, xs, w, b, y, r, packed);
  } else {
    conv2d_pointwise_nchw(q, xs, w, b, y, r, packed);
  }
}

void conv2d(const conv2d_params& p, const float* x, const float* w, const float* b, float* y,
            const float* r) {
  if (conv2d_y_is_slice(p) && !writes_y_slice(p, r)) {
    through_plain_y(p, y, [&](const conv2d_params& q, float* t) { conv2d(q, x, w, b, t, r); });
    return;
  }
  switch (choose_algo(p)) {
    case algo::ref:
      note_conv_path(conv_path::ref);
      return conv2d_ref(p, x, w, b, y, r);
    case algo::winograd:
      note_conv_path(conv_path::winograd);
      return conv2d_winograd(p, x, w, b, y, r);
    case algo::depthwise:
      note_conv_path(conv_path::depthwise);
      return dwconv_forward(p, x, w, b, y, r);
    case algo::direct_nhwc:
      note_conv_path(conv_path::direct);
      return conv2d_direct_nhwc(p, x, w, b, y, r);
    case algo::direct:
      note_conv_path(conv_path::direct);
      return conv2d_direct(p, x, w, b, y, r);
    case algo::strided_pointwise: {
      note_conv_path(conv_path::pointwise);
      conv2d_params compact;
      const float* xs = gather_strided(p, x, compact);
      if (p.data_layout == layout::nchw) return conv2d_pointwise_nchw(compact, xs, w, b, y, r);
      return conv2d_pointwise_nhwc(compact, xs, w, b, y, r);
    }
    case algo::igemm:
      note_conv_path(conv_path::igemm);
      return conv2d_igemm(p, x, w, b, y, r);
    case algo::pointwise:
      note_conv_path(conv_path::pointwise);
      if (p.data_layout == layout::nchw) return conv2d_pointwise_nchw(p, x, w, b, y, r);
      return conv2d_pointwise_nhwc(p, x, w, b, y, r);
  }
}

}  // namespace convkit
