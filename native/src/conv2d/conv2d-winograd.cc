// Winograd F(2x2, 3x3) convolution (Lavin & Gray 2015): every 2x2 output tile of a channel is
// A^T [ sum_ci (G g G^T) .* (B^T d B) ] A over the 4x4 input patch d that covers it, so the
// reduction over input channels becomes 16 independent GEMMs (one per position k of the 4x4
// transformed tile), 16 multiplies per output tile and channel pair instead of 36.
//  - weights: U[k] = (G g G^T)[k] for every (co, ci), once per call, in the GEMM micro-kernel's
//    packed B format [k][channel panel][Cin][NR] (configs/gemm-config.h);
//  - the output tiles of all images (ceil(OH/2) x ceil(OW/2) each) are numbered row-major over
//    (n, th, tw) and split into blocks of T tiles; a task takes one block (and one group of
//    output channels when the blocks are too few for the threads): it transforms the tiles'
//    4x4 patches (pixels outside the image read as zeros, so any padding works) into packed A
//    panels [k][tile panel][Cin][MR], runs the 16 GEMMs M[k] = V[k] . U[k] with the plan's
//    micro-kernel, and transforms back (Y = A^T M A), adding bias and applying ReLU while
//    writing the 2x2 tiles (clipped at the ragged last row / column);
//  - the transforms run over channel vectors (contiguous in NHWC) and are transposed into the
//    panels with the plan's pack_t8; NCHW input is first transposed to NHWC and the NHWC
//    result transposed back (both cheap next to the GEMMs).
// The transforms only use 0, +-1, +-1/2, so the result stays within the conv tolerances.
#include "conv2d/conv2d-winograd.h"
#include "conv2d/y-slice.h"

#include "conv2d/conv2d-igemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "convkit/parallel.h"
#include "configs/conv2d-config.h"
#include "configs/gemm-config.h"
#include "configs/winograd-config.h"
#include "util/workspace.h"

namespace convkit {
namespace {

workspace& weight_space() {  // the calling thread's transformed weights (read by every worker)
  thread_local workspace space;
  return space;
}
workspace& layout_space() {  // the calling thread's NHWC copies of an NCHW input and output
  thread_local workspace space;
  return space;
}
thread_local workspace v_space;    // a task's transformed input block
thread_local workspace m_space;    // a task's GEMM products
thread_local workspace wpanel_space;  // a task's weights of one channel panel, transposed
thread_local workspace u_space;       // a task's transformed weights of one channel panel
thread_local workspace buf_space;  // a task's transform output before its transpose

constexpr int64_t kChunkC = 64;  // channels per input transform call

// U[k] rows of channel panel cp (channels [cp*rc, cp*rc + rc), zero past Cout) for all Cin:
// dst[k*ks + ci*rc + lane]. The panel's weights are first transposed (in a task-local buffer)
// so that output channels are contiguous, then transformed a lane vector at a time.
void transform_weight_panel(const float* w, bool nhwc, int64_t Cin, int64_t Cout, int64_t cp,
                            int64_t rc, float* dst, int64_t ks, winograd_weight_fn wt_fn,
                            f32_pack_t8_fn t8) {
  const int64_t co0 = cp * rc, lanes = std::min(rc, Cout - co0);
  // wp[(nhwc ? kk*Cin + ci : ci*9 + kk) * rc + lane]
  float* wp = wpanel_space.get(static_cast<size_t>(9 * Cin * rc));
  transpose_rows(9 * Cin, w + co0 * 9 * Cin, 9 * Cin, wp, rc, lanes, t8);
  const int64_t tap_stride = nhwc ? Cin * rc : rc;  // between kk
  const int64_t ci_stride = nhwc ? rc : 9 * rc;     // between ci
  for (int64_t ci = 0; ci < Cin; ++ci) {
    float* d = dst + ci * rc;
    wt_fn(wp + ci * ci_stride, tap_stride, lanes, d, ks);
    if (lanes < rc) {
      for (int k = 0; k < 16; ++k) std::fill(d + k * ks + lanes, d + k * ks + rc, 0.0f);
    }
  }
}

// Stride between the 16 matrices of a transformed operand: one cache line more than the
// matrix, so the 16 streams of a transform do not all map to the same L1 sets.
int64_t k_stride(int64_t floats) { return (floats + 15) / 16 * 16 + 16; }

int64_t round_up(int64_t a, int64_t b) { return (a + b - 1) / b * b; }

}  // namespace

void transpose_rows(int64_t kc, const float* src, int64_t ld, float* dst, int64_t ldd,
                    int64_t rows, f32_pack_t8_fn t8) {
  int64_t i = 0;
  if (t8 != nullptr) {
    for (; i + 8 <= rows; i += 8) t8(kc, src + i * ld, ld, dst + i, ldd);
  }
  for (; i < rows; ++i) {
    for (int64_t p = 0; p < kc; ++p) dst[p * ldd + i] = src[i * ld + p];
  }
}

bool winograd_supported(const conv2d_params& p) {
  return p.kernel_h == 3 && p.kernel_w == 3 && p.stride_h == 1 && p.stride_w == 1 &&
         p.dilation_h == 1 && p.dilation_w == 1 && p.groups == 1 && p.out_height >= 1 &&
         p.out_width >= 1 && p.batch >= 1 && p.in_channels >= 1 && p.out_channels >= 1;
}

bool winograd_wanted(const conv2d_params& p, int64_t min_tiles) {
  if (!winograd_supported(p)) return false;
  const conv_algo algo = get_conv2d_config().algo;
  if (algo != conv_algo::automatic) return algo == conv_algo::winograd;
  const winograd_config& cfg = get_winograd_config();
  if (!cfg.preferred) return false;
  const int64_t tiles = p.batch * ((p.out_height + 1) / 2) * ((p.out_width + 1) / 2);
  return std::min(p.in_channels, p.out_channels) >= cfg.min_channels && tiles >= min_tiles;
}

bool use_winograd(const conv2d_params& p) { return winograd_wanted(p, get_winograd_config().min_tiles); }

int64_t winograd_packed_size(const conv2d_params& p) {
  const int64_t Cin = p.in_channels, rc = get_gemm_plan().nr;
  return 16 * k_stride((p.out_channels + rc - 1) / rc * Cin * rc);
}

void winograd_prepack(const conv2d_params& p, const float* w, float* packed) {
  const gemm_plan& plan = get_gemm_plan();
  const int64_t Cin = p.in_channels, Cout = p.out_channels, rc = plan.nr;
  const int64_t cpanels = (Cout + rc - 1) / rc, uks = k_stride(cpanels * Cin * rc);
  const bool nhwc = p.data_layout == layout::nhwc;
  const winograd_weight_fn wt_fn = get_winograd_config().weight;
  parallel_for(cpanels, [&](int64_t lo, int64_t hi) {
    for (int64_t cp = lo; cp < hi; ++cp) {
      transform_weight_panel(w, nhwc, Cin, Cout, cp, rc, packed + cp * Cin * rc, uks, wt_fn, plan.pack_t8);
    }
  });
}

void conv2d_winograd(const conv2d_params& p, const float* x, const float* w, const float* b,
                     float* y, const float* r, const float* packed) {
  const gemm_plan& plan = get_gemm_plan();
  const winograd_config& cfg = get_winograd_config();
  const winograd_input_fn in_fn = cfg.input;
  const winograd_weight_fn wt_fn = cfg.weight;
  const winograd_output_fn out_fn = cfg.output;
  const f32_pack_t8_fn t8 = plan.pack_t8;
  const int64_t N = p.batch, Cin = p.in_channels, Cout = p.out_channels;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t TH = (OH + 1) / 2, TW = (OW + 1) / 2, per_image = TH * TW;
  const bool nhwc = p.data_layout == layout::nhwc;
  // The epilogue: NHWC in the output transform; NCHW with a residual after the transpose
  // back, on each run of positions while it is in cache (the NHWC copy has no residual).
  const float* const residual = r;  // (r is a tile index below)
  const bool late = !nhwc && residual != nullptr;
  const activation out_act = late ? activation::none : p.act;
  const f32_conv2d_epilogue_fn epi = get_conv2d_config().epilogue;
  const float* bias = p.has_bias ? b : nullptr;
  const int64_t rt = plan.mr, rc = plan.nr;  // tiles on the A side, channels on the B side
  const int64_t cpanels = (Cout + rc - 1) / rc;
  const int64_t P = H * W, OP = OH * OW;
  // y's pixel stride (NHWC): Cout, or a slice's wider one (conv2d_params::y_channels).
  const int64_t ldy = conv2d_y_channels(p);

  // Images per pass: NCHW goes through NHWC copies of the pass's input and output, at most
  // pass_floats of them.
  // (CONVKIT_WINO_PASS_FLOATS sets the config's budget, for tests of the multi-pass path.)
  const int64_t pass_floats = cfg.pass_floats;
  const int64_t pass_n =
      nhwc ? N : std::clamp<int64_t>(pass_floats / (P * Cin + OP * Cout), 1, N);
  const int64_t pass_total = pass_n * per_image;  // tiles of a full pass

  // Blocks: the transformed input of a block (16*Cin*T floats) takes about half of L2.
  const int64_t threads = get_num_threads();
  const int64_t l2 = std::max<int64_t>(plan.caches.l2, 256 * 1024);
  const int64_t t_max = std::max(rt, (l2 / (2 * 64 * Cin)) / rt * rt);
  // Few tiles (at most two blocks' worth): one block, split over the threads by channel
  // panels, each task transforming the weights of its panels right before their GEMMs (the
  // whole transformed weight, 16*Cin*Cout floats, would otherwise go through memory and be
  // read once per block: the bound on 14x14x256).
  const bool fused = pass_total <= 2 * t_max;
  // Weights transformed per call: all at once (not fused) or per task and panel (fused);
  // prepacked weights (winograd_prepack, the not-fused layout) skip both.
  const bool transform_in_task = fused && packed == nullptr;
  int64_t nblocks = (pass_total + t_max - 1) / t_max;
  if (fused) nblocks = 1;
  if (threads > 1 && !fused && nblocks < 4 * threads) nblocks = round_up(nblocks, threads);
  const int64_t T = round_up((pass_total + nblocks - 1) / nblocks, rt);
  nblocks = (pass_total + T - 1) / T;
  // Channel groups when the blocks alone cannot keep the threads busy.
  int64_t cgroups = 1;
  if (nblocks < threads) cgroups = std::min(cpanels, (threads + nblocks - 1) / nblocks);
  const int64_t group_panels = (cpanels + cgroups - 1) / cgroups;
  cgroups = (cpanels + group_panels - 1) / group_panels;
  // Output channels per GEMM pass: the products (16*T*cs floats) take about half of L2.
  const int64_t sub_panels =
      fused ? 1 : std::clamp<int64_t>(l2 / (2 * 64 * T * rc), 1, group_panels);
  const int64_t kc = std::max<int64_t>(plan.kc, 16);

  // Weights (not fused): U[k] packed [cpanels][Cin][rc] at up + k*uks.
  const int64_t uks = transform_in_task ? k_stride(Cin * rc) : k_stride(cpanels * Cin * rc);
  const float* up = packed;
  if (!fused && packed == nullptr) {  // this call's copy of what winograd_prepack makes
    float* u = weight_space().get(static_cast<size_t>(16 * uks));
    winograd_prepack(p, w, u);
    up = u;
  }

  // Set by any task whose outputs hold an Inf or NaN: then the direct sum decides (below).
  std::atomic<bool> nonfinite{false};
  for (int64_t n0 = 0; n0 < N; n0 += pass_n) {
    const int64_t nb = std::min(pass_n, N - n0), total = nb * per_image;
    const int64_t pass_blocks = (total + T - 1) / T;
    // NHWC views of the pass's input and output (NCHW: transposed copies).
    const float* xs = x + n0 * P * Cin;
    float* ys = y + n0 * OP * ldy;
    if (!nhwc) {
      float* space = layout_space().get(static_cast<size_t>(nb * (P * Cin + OP * Cout)));
      float* xt = space;
      ys = space + nb * P * Cin;
      const int64_t groups = (Cin + 7) / 8;
      parallel_for(nb * groups, [&](int64_t lo, int64_t hi) {
        for (int64_t t = lo; t < hi; ++t) {
          const int64_t n = t / groups, c0 = (t % groups) * 8;
          transpose_rows(P, x + ((n0 + n) * Cin + c0) * P, P, xt + n * P * Cin + c0, Cin,
                         std::min<int64_t>(8, Cin - c0), t8);
        }
      });
      xs = xt;
    }

    parallel_for(pass_blocks * cgroups, [&](int64_t lo, int64_t hi) {
      for (int64_t task = lo; task < hi; ++task) {
        const int64_t blk = task / cgroups, grp = task % cgroups;
        const int64_t t0 = blk * T, count = std::min(T, total - t0);
        const int64_t npanels = (count + rt - 1) / rt, tpad = npanels * rt;
        const int64_t vks = k_stride(npanels * Cin * rt);
        float* vp = v_space.get(static_cast<size_t>(16 * vks));
        float* buf = buf_space.get(static_cast<size_t>(16 * rt * kChunkC));
        // Input transform: per tile panel and channel chunk, V[k][tile][c] into buf, then
        // transposed into the panel rows.
        for (int64_t tp = 0; tp < npanels; ++tp) {
          for (int64_t c0 = 0; c0 < Cin; c0 += kChunkC) {
            const int64_t cc = std::min(kChunkC, Cin - c0);
            for (int64_t l = 0; l < rt; ++l) {
              const int64_t idx = tp * rt + l;
              const float* src[16];
              if (idx >= count) {
                for (auto& s : src) s = nullptr;
              } else {
                const int64_t t = t0 + idx, n = t / per_image, r = t % per_image;
                const int64_t ih0 = (r / TW) * 2 - p.pad_top, iw0 = (r % TW) * 2 - p.pad_left;
                for (int i = 0; i < 4; ++i) {
                  const int64_t ih = ih0 + i;
                  for (int j = 0; j < 4; ++j) {
                    const int64_t iw = iw0 + j;
                    src[i * 4 + j] = ih >= 0 && ih < H && iw >= 0 && iw < W
                                         ? xs + ((n * H + ih) * W + iw) * Cin + c0
                                         : nullptr;
                  }
                }
              }
              in_fn(src, cc, buf + l * cc, rt * cc);
            }
            for (int k = 0; k < 16; ++k) {
              transpose_rows(cc, buf + k * rt * cc, cc, vp + k * vks + (tp * Cin + c0) * rt, rt,
                             rt, t8);
            }
          }
        }
        const int64_t gp0 = grp * group_panels, gp1 = std::min(cpanels, gp0 + group_panels);
        for (int64_t sp0 = gp0; sp0 < gp1; sp0 += sub_panels) {
          const int64_t sp1 = std::min(gp1, sp0 + sub_panels);
          const int64_t cs = (sp1 - sp0) * rc, cbase = sp0 * rc;
          const int64_t mks = k_stride(tpad * cs);
          float* m = m_space.get(static_cast<size_t>(16 * mks));
          const float* ubase = up;  // panel cp of U[k] at ubase + k*uks + (cp - cp_off)*Cin*rc
          int64_t cp_off = 0;
          if (transform_in_task) {
            float* ul = u_space.get(static_cast<size_t>(16 * uks));
            transform_weight_panel(w, nhwc, Cin, Cout, sp0, rc, ul, uks, wt_fn, t8);
            ubase = ul;
            cp_off = sp0;
          }
          for (int k = 0; k < 16; ++k) {  // M[k] [tpad][cs] = V[k] . U[k]
            const float* uk = ubase + k * uks - cp_off * Cin * rc;
            const float* vk = vp + k * vks;
            float* mk = m + k * mks;
            for (int64_t c0 = 0; c0 < Cin; c0 += kc) {
              const int64_t kb = std::min(kc, Cin - c0);
              const float beta = c0 == 0 ? 0.0f : 1.0f;
              for (int64_t cp = sp0; cp < sp1; ++cp) {
                const float* bpanel = uk + (cp * Cin + c0) * rc;
                for (int64_t tp = 0; tp < npanels; ++tp) {
                  plan.ukernel(kb, vk + (tp * Cin + c0) * rt, bpanel,
                               mk + tp * rt * cs + (cp - sp0) * rc, cs, 1.0f, beta);
                }
              }
            }
          }
          // Output transform, straight into the NHWC output (view).
          const int64_t cn = std::min(Cout, cbase + cs) - cbase;
          if (cn <= 0) continue;
          for (int64_t i = 0; i < count; ++i) {
            const int64_t t = t0 + i, n = t / per_image, r = t % per_image;
            const int64_t oh0 = (r / TW) * 2, ow0 = (r % TW) * 2;
            float* dst[4];
            const float* res[4];
            for (int q = 0; q < 4; ++q) {
              const int64_t oh = oh0 + q / 2, ow = ow0 + q % 2;
              const int64_t pixel = (n * OH + oh) * OW + ow;
              dst[q] = oh < OH && ow < OW ? ys + pixel * (nhwc ? ldy : Cout) + cbase : nullptr;
              res[q] = dst[q] != nullptr && nhwc && residual != nullptr
                           ? residual + (n0 * OP + pixel) * Cout + cbase
                           : nullptr;
            }
            if (!out_fn(m + i * cs, mks, cn, bias != nullptr ? bias + cbase : nullptr,
                        nhwc && residual != nullptr ? res : nullptr, out_act, dst)) {
              nonfinite.store(true, std::memory_order_relaxed);
            }
          }
        }
      }
    });

    if (!nhwc) {  // ys [nb][OP][Cout] -> y [n0 + nb][Cout][OP]
      constexpr int64_t kRun = 64;
      const int64_t runs = (OP + kRun - 1) / kRun;
      parallel_for(nb * runs, [&](int64_t lo, int64_t hi) {
        for (int64_t t = lo; t < hi; ++t) {
          const int64_t n = t / runs, q0 = (t % runs) * kRun, q1 = std::min(OP, q0 + kRun);
          for (int64_t q = q0; q < q1; q += 8) {
            transpose_rows(Cout, ys + (n * OP + q) * Cout, Cout, y + (n0 + n) * Cout * OP + q, OP,
                           std::min<int64_t>(8, q1 - q), t8);
          }
          if (late) {
            for (int64_t c = 0; c < Cout; ++c) {
              const int64_t at = ((n0 + n) * Cout + c) * OP + q0;
              epi(y + at, y + at, q1 - q0, 0.0f, nullptr, residual + at, p.act);
            }
          }
        }
      });
    }
  }
  // A non-finite output: an Inf / NaN in x or w (the transforms spread it over whole 4x4
  // tiles: +Inf next to finite values became NaN) or a transform sum past FLT_MAX. Either
  // way the implicit GEMM's direct sum is the answer (IEEE like the reference); finite
  // outputs, the common case, never get here.
  if (nonfinite.load(std::memory_order_relaxed)) {
    if (conv2d_y_is_slice(p)) {
      through_plain_y(p, y, [&](const conv2d_params& q, float* t) { conv2d_igemm(q, x, w, b, t, r); });
    } else {
      conv2d_igemm(p, x, w, b, y, r);
    }
  }
}

}  // namespace convkit
