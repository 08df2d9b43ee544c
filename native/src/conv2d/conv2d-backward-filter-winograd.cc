// The filter gradient of a 3x3 stride-1 convolution by Winograd F(2x2, 3x3), the forward's
// transforms run backwards. The forward computes each 2x2 output tile as
// Y = A^T [ (G g G^T) .* (B^T d B) ] A over the tile's 4x4 input patch d; differentiating by g,
//   dW[co, ci] = G^T [ sum over tiles and images of (A dy A^T)[co] .* (B^T d B)[ci] ] G
// where dy is the tile's 2x2 output gradient. The sum runs in the transformed domain, so it is
// 16 GEMMs (one per position k of the 4x4 tile), M[k] [Cout, Cin] = sum over tiles of
// dyT[k][tile, co] x V[k][tile, ci], with 16 multiplies per (tile, co, ci) instead of the
// direct sum's 36; G^T M G once per (co, ci) at the end.
//  - tiles: ceil(OH/2) x ceil(OW/2) per image, numbered row-major over (n, th, tw), split into
//    one contiguous range per thread, each summing into its own M (the partials added in a
//    fixed order at the end: the result does not depend on timing); a range runs in chunks of
//    tc tiles whose transformed operands stay in L2;
//  - per chunk, the transforms write the GEMM micro-kernel's packed panels directly: dyT as A
//    ([k][Cout panel][tile][MR]: the config's dy transform, every channel of a tile in one
//    call) and V as B ([k][Cin panel][tile][NR]: the forward's input transform, NR channels a
//    call); then the micro-kernel adds each panel pair's [MR, NR] product into M (beta 1,
//    K = the chunk's tiles). (B read in place, [k][tile][Cin] with the plan's ukernel_cols and
//    one input transform call per tile, measured the same: not kept.)
//  - NCHW images are transposed to NHWC first, per image, in the thread's own buffers (an
//    image whose tiles two ranges share is transposed by both).
// Inf or NaN in dy or x spreads through the transforms to every tap, so a non-finite result
// sends the call back to the caller's direct path (see conv2d_backward_filter_winograd).
#include "conv2d/conv2d-backward-filter-winograd.h"

#include <algorithm>
#include <atomic>

#include "conv2d/conv2d-winograd.h"
#include "convkit/parallel.h"
#include "configs/conv2d-config.h"
#include "configs/gemm-config.h"
#include "configs/winograd-config.h"
#include "util/workspace.h"

namespace convkit {
namespace {

thread_local workspace a_space;      // a chunk's transformed dy panels
thread_local workspace b_space;      // a chunk's transformed x panels
thread_local workspace image_space;  // NCHW: one image of x and of dy, transposed to NHWC
workspace& partial_space() {         // the calling thread's M partials, one per range
  thread_local workspace space;
  return space;
}

// From min(Cin, Cout) channels and this many tiles on: measured against the packed GEMM path
// (AVX-512, 1 thread); below, the transforms and the final G^T M G outweigh the saved FLOPs.
constexpr int64_t kMinTiles = 64;
// Each thread's M holds 16 * Cout * Cin floats (16/9 of dw): taken while the threads' Ms fit
// in 24 MB (one thread up to 512 x 512 channels, two up to 362 x 362), under the workspace cap
// that frees a thread's buffers after a call when they hold more (util/workspace.cc): 8x512x7x7
// -> 512 on 2 threads, 34 MB of Ms, took 60 ms a call (its pages faulted in every time)
// against the packed GEMM's 8.6.
constexpr int64_t kMaxPartialFloats = int64_t{6} << 20;

// dw[co, ci, tap] from M's 16 sums m[k*ks] of one (co, ci): G^T m G, G^T = [1 .5 .5 0; 0 .5 -.5 0;
// 0 .5 .5 1]. Writes taps (kh, kw) at out[(kh*3 + kw) * step].
void output_transform(const float* m, int64_t ks, float* out, int64_t step) {
  float t[3][4];  // G^T m: rows kh, columns of m
  for (int j = 0; j < 4; ++j) {
    const float m0 = m[j * ks], m1 = m[(4 + j) * ks], m2 = m[(8 + j) * ks], m3 = m[(12 + j) * ks];
    t[0][j] = m0 + 0.5f * (m1 + m2);
    t[1][j] = 0.5f * (m1 - m2);
    t[2][j] = 0.5f * (m1 + m2) + m3;
  }
  for (int i = 0; i < 3; ++i) {
    const float u0 = t[i][0], u1 = t[i][1], u2 = t[i][2], u3 = t[i][3];
    out[(i * 3 + 0) * step] = u0 + 0.5f * (u1 + u2);
    out[(i * 3 + 1) * step] = 0.5f * (u1 - u2);
    out[(i * 3 + 2) * step] = 0.5f * (u1 + u2) + u3;
  }
}

}  // namespace

bool use_winograd_dw(const conv2d_params& p) {
  if (!winograd_wanted(p, kMinTiles)) return false;
  if (get_conv2d_config().algo == conv_algo::winograd) return true;  // forced: no budget
  // Cin * Cout <= the pairs the budget allows, without the product (channels up to 2^31 - 1).
  const int64_t pairs = kMaxPartialFloats / (16 * static_cast<int64_t>(get_num_threads()));
  return p.in_channels <= pairs / p.out_channels;
}

bool conv2d_backward_filter_winograd(const conv2d_params& p, const float* dy, const float* x, float* dw) {
  const gemm_plan& plan = get_gemm_plan();
  const winograd_config& cfg = get_winograd_config();
  const winograd_input_fn in_fn = cfg.input;
  const winograd_dy_fn dy_fn = cfg.dy;
  const int64_t N = p.batch, Cin = p.in_channels, Cout = p.out_channels;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t TH = (OH + 1) / 2, TW = (OW + 1) / 2, per_image = TH * TW, total = N * per_image;
  const bool nhwc = p.data_layout == layout::nhwc;
  const int64_t MR = plan.mr, NR = plan.nr;
  const int64_t copan = (Cout + MR - 1) / MR, cipan = (Cin + NR - 1) / NR;
  const int64_t Cop = copan * MR, Cip = cipan * NR;
  const int64_t mks = Cop * Cip + 16;  // between M's 16 matrices (a line apart in L1 sets)
  // Tiles per chunk, the GEMMs' K: 64 measured best from 64 to 512 channels (AVX-512, 1 thread,
  // dw ms at 16 / 32 / 64 / 128 tiles: 8x64x56x56 -> 64 6.6 at 64 against 7.9 at 16 and 7.7
  // at 128; 8x256x14x14 -> 256: 5.9 / 5.4 / 5.4 / 6.2; 4x512x7x7 -> 512: 8.1 / 6.8 / 6.5 /
  // 6.5); the chunk's panels (16 * tc * (Cop + Cip) floats) are 0.5 MB at 64 channels.
  const int64_t tc = 64;
  const int64_t aks = copan * tc * MR + 16, bks = cipan * tc * NR + 16;
  const int64_t chunks = (total + tc - 1) / tc;
  const int64_t parts = std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), chunks));
  float* partial = partial_space().get(static_cast<size_t>(parts * 16 * mks));
  const int64_t P = H * W, OP = OH * OW;

  // One range's thread state: its panels, and for NCHW its NHWC copies of one image.
  struct range_state {
    float* a;
    float* b;
    float* img;
    int64_t img_n;  // the image img holds (-1: none yet)
  };
  // Tile t's transforms into column l of the chunk's panels: its 4x4 input patch (zeros outside
  // the image) through the forward's input transform into B, its 2x2 dy tile (zeros past the
  // last output row / column) through the dy transform into A.
  auto transform_tile = [&](range_state& st, int64_t t, int64_t l) {
    const int64_t n = t / per_image, r = t % per_image, th = r / TW, tw = r % TW;
    const float* xs = x + n * P * Cin;     // image n, NHWC
    const float* ds = dy + n * OP * Cout;  // its dy, NHWC
    if (!nhwc) {
      if (st.img_n != n) {  // [C][pixels] -> [pixels][C], 8 channels at a time
        for (int64_t c = 0; c < Cin; c += 8) {
          transpose_rows(P, x + (n * Cin + c) * P, P, st.img + c, Cin, std::min<int64_t>(8, Cin - c), plan.pack_t8);
        }
        for (int64_t c = 0; c < Cout; c += 8) {
          transpose_rows(OP, dy + (n * Cout + c) * OP, OP, st.img + P * Cin + c, Cout,
                         std::min<int64_t>(8, Cout - c), plan.pack_t8);
        }
        st.img_n = n;
      }
      xs = st.img;
      ds = st.img + P * Cin;
    }
    const float* xp[16];
    const int64_t ih0 = th * 2 - p.pad_top, iw0 = tw * 2 - p.pad_left;
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 4; ++j) {
        const int64_t ih = ih0 + i, iw = iw0 + j;
        xp[i * 4 + j] = ih >= 0 && ih < H && iw >= 0 && iw < W ? xs + (ih * W + iw) * Cin : nullptr;
      }
    }
    const float* dp[4];
    for (int q = 0; q < 4; ++q) {
      const int64_t oh = th * 2 + q / 2, ow = tw * 2 + q % 2;
      dp[q] = oh < OH && ow < OW ? ds + (oh * OW + ow) * Cout : nullptr;
    }
    for (int64_t cp = 0; cp < cipan; ++cp) {
      const int64_t ch0 = cp * NR;
      const float* src[16];
      for (int k = 0; k < 16; ++k) src[k] = xp[k] != nullptr ? xp[k] + ch0 : nullptr;
      in_fn(src, std::min(NR, Cin - ch0), st.b + (cp * tc + l) * NR, bks);
    }
    dy_fn(dp, Cout, st.a + l * MR, aks, MR, tc * MR);
  };

  parallel_for(parts, [&](int64_t lo, int64_t hi) {
    for (int64_t part = lo; part < hi; ++part) {
      float* m = partial + part * 16 * mks;
      std::fill(m, m + 16 * mks, 0.0f);
      range_state st{a_space.get(static_cast<size_t>(16 * aks)), b_space.get(static_cast<size_t>(16 * bks)),
                     nhwc ? nullptr : image_space.get(static_cast<size_t>(P * Cin + OP * Cout)), -1};
      // The last panels' lanes past Cout (A) and Cin (B): zero once, the transforms never
      // write them.
      for (int k = 0; k < 16; ++k) {
        for (int64_t l = 0; l < tc; ++l) {
          float* da = st.a + k * aks + ((copan - 1) * tc + l) * MR;
          std::fill(da + (Cout - (copan - 1) * MR), da + MR, 0.0f);
          float* db = st.b + k * bks + ((cipan - 1) * tc + l) * NR;
          std::fill(db + (Cin - (cipan - 1) * NR), db + NR, 0.0f);
        }
      }
      const int64_t t_begin = total * part / parts, t_end = total * (part + 1) / parts;
      for (int64_t c0 = t_begin; c0 < t_end; c0 += tc) {
        const int64_t cnt = std::min(tc, t_end - c0);
        for (int64_t l = 0; l < cnt; ++l) transform_tile(st, c0 + l, l);
        // M[k] [Cop, Cip] += dyT[k]^T . V[k] over the chunk's tiles; a B panel stays in L1
        // across the A panels.
        for (int k = 0; k < 16; ++k) {
          for (int64_t bp = 0; bp < cipan; ++bp) {
            const float* bpanel = st.b + k * bks + bp * tc * NR;
            for (int64_t ap = 0; ap < copan; ++ap) {
              plan.ukernel(cnt, st.a + k * aks + ap * tc * MR, bpanel, m + k * mks + ap * MR * Cip + bp * NR, Cip,
                           1.0f, 1.0f);
            }
          }
        }
      }
    }
  });

  // Per output channel (in parallel): the partials summed in range order, then G^T M G per
  // (co, ci) into dw's layout: NCHW [Cout][Cin][3][3], NHWC [Cout][3][3][Cin].
  std::atomic<bool> finite{true};
  parallel_for(Cout, [&](int64_t lo, int64_t hi) {
    bool ok = true;
    for (int64_t co = lo; co < hi; ++co) {
      float* row = partial + co * Cip;  // M[k] row co at row + k*mks
      for (int64_t part = 1; part < parts; ++part) {
        const float* src = row + part * 16 * mks;
        for (int k = 0; k < 16; ++k) {
          for (int64_t ci = 0; ci < Cin; ++ci) row[k * mks + ci] += src[k * mks + ci];
        }
      }
      for (int64_t ci = 0; ci < Cin; ++ci) {
        float* out = nhwc ? dw + co * 9 * Cin + ci : dw + (co * Cin + ci) * 9;
        const int64_t step = nhwc ? Cin : 1;
        output_transform(row + ci, mks, out, step);
        for (int tap = 0; tap < 9; ++tap) ok = ok && out[tap * step] - out[tap * step] == 0.0f;  // false for Inf, NaN
      }
    }
    if (!ok) finite.store(false, std::memory_order_relaxed);
  });
  return finite.load(std::memory_order_relaxed);
}

}  // namespace convkit
