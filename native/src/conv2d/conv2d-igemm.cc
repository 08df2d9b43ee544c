// Implicit-GEMM convolution. Per image n and group g (Cin_g, Cout_g, Kd = Cin_g*KH*KW, P = OH*OW)
// the output is the product of the weight [Cout_g, Kd] and the virtual im2col matrix
// [Kd, P], computed with the GEMM's micro-kernel (configs/gemm-config.h) and no im2col:
//  - the input is copied once, zero-padded (padded-input.h), so every column of a position
//    micro-panel is a run of consecutive floats at a per-tap offset: the panels are packed
//    straight from it, one k block at a time, by the task that uses them; the copy itself
//    is made in row chunks by the first task that reads them;
//  - positions go on the MR side or the NR side, whichever wastes fewer lanes on the ragged
//    edges (P = 196 fills 25 panels of 8 but only 6.1 of 32);
//  - the weight is packed into channel micro-panels [Kd][R], each k block once per call by
//    the first task that needs it; where the config has kernels that read it in place
//    (positions on the NR side) they replace the packing (configs/conv2d-config.h);
//  - each task accumulates its output block in a local buffer over the k blocks, then
//    finishes it by the config's epilogue row (bias, residual, activation) as it writes it
//    out (transposing when the orientation is not the layout's).
// Threads take tasks (image-group, channel block, position block) from a shared counter;
// a batch-1 layer is split over positions or channels, whichever duplicates less work.
#include "conv2d/conv2d-igemm.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <numeric>
#include <thread>
#include <vector>

#include "convkit/parallel.h"
#include "conv2d/padded-input.h"
#include "conv2d/ukernel/ukernels.h"
#include "configs/conv2d-config.h"
#include "configs/gemm-config.h"
#include "parallel/pack-once.h"
#include "parallel/task-ranges.h"
#include "util/workspace.h"

namespace convkit {
namespace {

thread_local workspace panel_space;  // a worker's position panels, one k block
thread_local workspace acc_space;    // a worker's output block

// Block sizes of a task. The A side (MR panels) is the GEMM's packed A block, plan.mc rows
// (L2). The B side (NR panels) is read from L1 one panel at a time: positions there are
// limited by the output block (channels x positions floats, L2); channels by the weights'
// k block (kc x channels floats, L2).
constexpr int64_t kTaskPositionsB = 256;
constexpr int64_t kTaskChannelsB = 256;
// Padded images per pass (the pass's copies are read from L2 / L3 by every worker).
constexpr int64_t kPassFloats = int64_t{1} << 18;

// The runs of output positions [q0, q0 + r) (clipped to P) along output rows; returns how many.
int64_t panel_segments(int64_t q0, int64_t r, int64_t P, int64_t OW, int64_t row_step,
                       igemm_segment* seg) {
  int64_t n = 0;
  for (int64_t lane = 0, q = q0; lane < r && q < P;) {
    const int64_t oh = q / OW, ow = q % OW;
    const int64_t len = std::min({r - lane, OW - ow, P - q});
    seg[n++] = {lane, len, oh * row_step + ow};
    lane += len, q += len;
  }
  return n;
}

// Rows [k0, k0 + kc) of the channel panel [kd][rc] of rows [co0, co0 + rc) of w_g [Cout_g, kd]
// (zero past Cout_g), at dst + k0*rc.
void pack_weight_panel(const float* w_g, int64_t kd, int64_t co0, int64_t rows, int64_t rc,
                       int64_t k0, int64_t kc, f32_pack_t8_fn pack_t8, float* dst) {
  dst += k0 * rc;
  if (pack_t8 != nullptr && rows == rc && rc % 8 == 0) {
    // In k pieces, so that the rc / 8 calls fill each destination line while it is in L1
    // (whole panels at once wrote every line in parts, one L2 round trip per part).
    constexpr int64_t kPiece = 64;
    for (int64_t p0 = 0; p0 < kc; p0 += kPiece) {
      const int64_t pn = std::min(kPiece, kc - p0);
      for (int64_t i = 0; i < rc; i += 8) {
        pack_t8(pn, w_g + (co0 + i) * kd + k0 + p0, kd, dst + p0 * rc + i, rc);
      }
    }
    return;
  }
  for (int64_t i = 0; i < rc; ++i) {
    const float* src = w_g + (co0 + i) * kd + k0;
    if (i < rows) {
      for (int64_t k = 0; k < kc; ++k) dst[k * rc + i] = src[k];
    } else {
      for (int64_t k = 0; k < kc; ++k) dst[k * rc + i] = 0.0f;
    }
  }
}

}  // namespace

void conv2d_plain_epilogue_row(float* dst, const float* src, int64_t n, float bv, const float* bc,
                               bool relu) {
  if (bc != nullptr) {
    for (int64_t j = 0; j < n; ++j) dst[j] = src[j] + bc[j];
  } else {
    for (int64_t j = 0; j < n; ++j) dst[j] = src[j] + bv;
  }
  if (relu) {
    for (int64_t j = 0; j < n; ++j) dst[j] = dst[j] < 0.0f ? 0.0f : dst[j];
  }
}

namespace {

// Pieces of shared work (padded rows, weight panels) are done once, by the first task that
// needs them, through the hand-off of parallel/pack-once.h.

// Asks for the lines of the task's output block [c0, c1) x [q0, q1) of y_n, for writing, so
// that their misses overlap the task's FMAs instead of stalling its epilogue.
void prefetch_output(const conv2d_params& p, float* y_n, int64_t c0, int64_t c1, int64_t q0,
                     int64_t q1) {
  const int64_t P = p.out_height * p.out_width;
  if (p.data_layout == layout::nchw) {
    for (int64_t c = c0; c < c1; ++c) {
      for (int64_t q = q0; q < q1; q += 16) __builtin_prefetch(y_n + c * P + q, 1, 2);
      __builtin_prefetch(y_n + c * P + q1 - 1, 1, 2);
    }
  } else {
    for (int64_t q = q0; q < q1; ++q) {
      for (int64_t c = c0; c < c1; c += 16) __builtin_prefetch(y_n + q * p.out_channels + c, 1, 2);
      __builtin_prefetch(y_n + q * p.out_channels + c1 - 1, 1, 2);
    }
  }
}

// The task's output block: acc [rows][ld] holds positions [q0, q1) x channels [c0, c1) of
// the group, positions as rows when pos_a. Adds the bias (of the group's channels, or none)
// and the residual r_n (y_n's image of it, or null), applies the activation and writes it to
// y_n (one image), where the group's channels start at co. A block whose rows are not y's
// rows gets its bias (and activation, without a residual) in place, is transposed 8 rows at
// a time by pack_t8 where the ISA has one, then (with a residual) finished on y's rows while
// they are in cache.
void write_block(const conv2d_params& p, bool pos_a, float* acc, int64_t ld, int64_t q0,
                 int64_t q1, int64_t c0, int64_t c1, int64_t co, const float* bias,
                 f32_pack_t8_fn pack_t8, f32_conv2d_epilogue_fn epi, float* y_n,
                 const float* r_n) {
  const int64_t P = p.out_height * p.out_width, cout = p.out_channels;
  const bool nhwc = p.data_layout == layout::nhwc;
  const activation act = p.act;
  // The epilogue row, as plain loops where those do it (no residual, none or ReLU).
  auto finish = [epi](float* d, const float* s, int64_t n, float bv, const float* bc,
                      const float* res, activation a) {
    if (conv2d_plain_epilogue(res, a)) {
      conv2d_plain_epilogue_row(d, s, n, bv, bc, a == activation::relu);
    } else {
      epi(d, s, n, bv, bc, res, a);
    }
  };
  if (nhwc == pos_a) {  // acc's rows are rows of y
    if (!nhwc) {
      for (int64_t c = c0; c < c1; ++c) {
        const int64_t at = (co + c) * P + q0;
        finish(y_n + at, acc + (c - c0) * ld, q1 - q0, bias ? bias[c] : 0.0f, nullptr,
               r_n != nullptr ? r_n + at : nullptr, act);
      }
    } else {
      for (int64_t q = q0; q < q1; ++q) {
        const int64_t at = q * cout + co + c0;
        finish(y_n + at, acc + (q - q0) * ld, c1 - c0, 0.0f, bias ? bias + c0 : nullptr,
               r_n != nullptr ? r_n + at : nullptr, act);
      }
    }
    return;
  }
  const activation acc_act = r_n != nullptr ? activation::none : act;
  // y(row i, column j of acc) = dst[i + j*dld].
  int64_t rows, cols, dld;
  float* dst;
  int64_t at;
  if (!pos_a) {  // channels x positions into NHWC
    rows = c1 - c0, cols = q1 - q0, dld = cout, at = q0 * cout + co + c0;
    if (bias != nullptr || acc_act != activation::none) {
      for (int64_t i = 0; i < rows; ++i) {
        finish(acc + i * ld, acc + i * ld, cols, bias ? bias[c0 + i] : 0.0f, nullptr, nullptr, acc_act);
      }
    }
  } else {  // positions x channels into NCHW
    rows = q1 - q0, cols = c1 - c0, dld = P, at = (co + c0) * P + q0;
    if (bias != nullptr || acc_act != activation::none) {
      for (int64_t i = 0; i < rows; ++i) {
        finish(acc + i * ld, acc + i * ld, cols, 0.0f, bias ? bias + c0 : nullptr, nullptr, acc_act);
      }
    }
  }
  dst = y_n + at;
  int64_t i = 0;
  if (pack_t8 != nullptr) {
    for (; i + 8 <= rows; i += 8) pack_t8(cols, acc + i * ld, ld, dst + i, dld);
  }
  for (; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) dst[i + j * dld] = acc[i * ld + j];
  }
  if (r_n != nullptr) {  // y's rows of the block: [cols][rows], row stride dld
    for (int64_t j = 0; j < cols; ++j) {
      epi(dst + j * dld, dst + j * dld, rows, 0.0f, nullptr, r_n + at + j * dld, act);
    }
  }
}

}  // namespace

void conv2d_igemm(const conv2d_params& p, const float* x, const float* w, const float* b, float* y,
                  const float* r) {
  const gemm_plan& plan = get_gemm_plan();
  const int64_t G = p.groups, cin_g = p.in_channels / G, cout_g = p.out_channels / G;
  const int64_t kd = cin_g * p.kernel_h * p.kernel_w;
  const int64_t OW = p.out_width, P = p.out_height * OW;
  const bool nhwc = p.data_layout == layout::nhwc;
  const padded_input geo = padded_geometry(p);
  const std::vector<int64_t> tap = tap_offsets(p, geo, cin_g, nhwc);  // the weight's k order
  const int64_t row_step = p.stride_h * geo.rowlen;
  const int64_t MR = plan.mr, NR = plan.nr;

  // With positions on the B side, the config may hold kernels that read the weights in place
  // (no packing pass, which for weights past L2 costs as much as their FMAs' share of the
  // misses) and a narrow one for a short last position panel.
  const conv2d_config& cfg = get_conv2d_config();
  const bool in_place = cfg.gemm_arows_wide != nullptr;
  const int64_t narrow_cols = cfg.arows_narrow_cols;
  // Orientation: positions as the A side (MR) or the B side (NR), the fewer padded lanes;
  // in_place, the B side unless it pads more than 1/8 more.
  auto round_up = [](int64_t v, int64_t r) { return (v + r - 1) / r * r; };
  const int64_t lanes_b = in_place && P % NR != 0 && P % NR <= narrow_cols
                              ? P / NR * NR + narrow_cols
                              : round_up(P, NR);
  const int64_t waste_pos_a = round_up(P, MR) * round_up(cout_g, NR);
  const int64_t waste_pos_b = round_up(cout_g, MR) * lanes_b;
  const bool pos_a = in_place ? 8 * waste_pos_a < 7 * waste_pos_b
                              : waste_pos_a < waste_pos_b || (waste_pos_a == waste_pos_b && nhwc);
  const bool w_in_place = in_place && !pos_a;
  const int64_t rp = pos_a ? MR : NR, rc = pos_a ? NR : MR;  // lanes of a position / channel panel
  const int64_t pos_panels = (P + rp - 1) / rp, ch_panels = (cout_g + rc - 1) / rc;
  const int64_t kblocks = (kd + plan.kc - 1) / plan.kc, kcb = (kd + kblocks - 1) / kblocks;

  // The weights, packed once: wp [G][ch_panels][kd][rc], each k block of a panel by the
  // first task that needs it (so it is still in that core's L2 when it is first read).
  const int64_t panel_floats = kd * rc;
  float* wp = w_in_place ? nullptr : packed_weights_space().get(static_cast<size_t>(G * ch_panels * panel_floats));
  const int64_t w_pieces = G * kblocks * ch_panels;
  std::unique_ptr<std::atomic<int>[]> w_state(new std::atomic<int>[w_pieces]);
  for (int64_t i = 0; i < w_pieces; ++i) w_state[i].store(kUnpacked, std::memory_order_relaxed);

  // Tasks: blocks of position panels x blocks of channel panels, per image-group.
  const int64_t threads = get_num_threads();
  const int64_t images = p.batch * G;
  const int64_t pos_block = pos_a ? plan.mc : kTaskPositionsB;
  const int64_t ch_block = pos_a ? kTaskChannelsB : plan.mc;
  int64_t pblocks = std::min(pos_panels, (pos_panels * rp + pos_block - 1) / pos_block);
  int64_t cblocks = std::min(ch_panels, (ch_panels * rc + ch_block - 1) / ch_block);
  // Images are run per_pass at a time (the padded copies' budget), so the threads share the
  // tasks of one pass: the split counts those images, not the batch (a 4 x 28 x 28 x 256 3x3
  // stride-2 NHWC layer, one image per pass, ran one task per pass on one of 2 threads:
  // 6.3 ms on 2 threads, 6.4 on 1).
  const int64_t image_floats = cin_g * geo.plane;
  const int64_t per_pass = std::clamp<int64_t>(kPassFloats / std::max<int64_t>(image_floats, 1), 1, images);
  if (threads > 1 && per_pass < 8 * threads) {
    // Enough tasks for the threads, in a multiple of them. A position split makes every task
    // read all its weights, a channel split makes every task pack all its positions: split
    // the dimension whose duplicate is the smaller.
    // (r3x3_14 on 2 threads: channels 0.79 ms, positions 0.95 ms.)
    const bool split_ch = cout_g > P;
    while (per_pass * pblocks * cblocks < threads || (per_pass * pblocks * cblocks) % threads != 0) {
      if (split_ch && cblocks < ch_panels) {
        ++cblocks;
      } else if (pblocks < pos_panels) {
        ++pblocks;
      } else if (cblocks < ch_panels) {
        ++cblocks;
      } else {
        break;
      }
    }
  }
  const int64_t per_image = pblocks * cblocks;
  const int64_t max_pos = (pos_panels + pblocks - 1) / pblocks * rp;  // positions of a block
  const int64_t max_ch = (ch_panels + cblocks - 1) / cblocks * rc;    // channels of a block

  float* xp_all = padded_images_space().get(static_cast<size_t>(per_pass * image_floats));
  const f32_igemm_pack_panel_fn pack_panel = cfg.pack_panel;
  // Padded rows are copied in chunks of about 32 KB, each once, by the first task needing it.
  // A chunk spans whole 64-byte lines of every plane (planes are whole lines, the buffer
  // line-aligned): two threads copying neighbouring chunks would otherwise write the same
  // line of each of the cin_g planes. ResNet's 1x1 stride-2 downsample on 14x14 (rows of 14
  // floats, chunks of 2 rows) took 131 us on 1 thread and 258 us on 2 before.
  const int64_t line_rows = 16 / std::gcd<int64_t>(geo.rowlen, 16);
  const int64_t chunk_rows = std::min(
      geo.hp, round_up(std::clamp<int64_t>(8192 / std::max<int64_t>(cin_g * geo.rowlen, 1), 1, geo.hp), line_rows));
  const int64_t row_chunks = (geo.hp + chunk_rows - 1) / chunk_rows;
  std::unique_ptr<std::atomic<int>[]> rows_state(new std::atomic<int>[per_pass * row_chunks]);
  const int64_t in_image = p.in_channels * p.in_height * p.in_width;
  const int64_t out_image = p.out_channels * P;

  for (int64_t i0 = 0; i0 < images; i0 += per_pass) {
    const int64_t ni = std::min(per_pass, images - i0);
    for (int64_t i = 0; i < ni * row_chunks; ++i) rows_state[i].store(kUnpacked, std::memory_order_relaxed);
    auto task = [&](int64_t t, float* panels, float* acc, igemm_segment* seg) {
      const int64_t img = t / per_image, cb = t % per_image / pblocks, pb = t % pblocks;
      const int64_t n = (i0 + img) / G, g = (i0 + img) % G;
      const float* xp = xp_all + img * image_floats;
      const int64_t pp0 = range_begin(pos_panels, pb, pblocks);
      const int64_t pp1 = range_begin(pos_panels, pb + 1, pblocks);
      // The padded rows this task reads: copied now by whichever task needs them first, so
      // they are still in this core's cache when its panels are packed.
      const int64_t r_lo = pp0 * rp / OW * p.stride_h;
      const int64_t r_hi = std::min(geo.hp - 1, (std::min(P, pp1 * rp) - 1) / OW * p.stride_h +
                                                    (p.kernel_h - 1) * p.dilation_h);
      std::atomic<int>* st = rows_state.get() + img * row_chunks;
      for (int64_t c = r_lo / chunk_rows; c <= r_hi / chunk_rows; ++c) {
        if (claim(st[c])) {
          pack_padded_rows(p, geo, x + n * in_image, g, c * chunk_rows,
                           std::min(geo.hp, (c + 1) * chunk_rows), xp_all + img * image_floats);
          mark_packed(st[c]);
        }
      }
      for (int64_t c = r_lo / chunk_rows; c <= r_hi / chunk_rows; ++c) wait_packed(st[c]);
      const int64_t cp0 = range_begin(ch_panels, cb, cblocks);
      const int64_t cp1 = range_begin(ch_panels, cb + 1, cblocks);
      const int64_t np = pp1 - pp0, nc = cp1 - cp0;
      float* wp_g = w_in_place ? nullptr : wp + (g * ch_panels) * panel_floats;
      // acc: positions x channels (pos_a) or channels x positions, ld = its row length.
      const int64_t ld = pos_a ? nc * rc : np * rp;
      prefetch_output(p, y + n * out_image, g * cout_g + cp0 * rc,
                      g * cout_g + std::min(cout_g, cp1 * rc), pp0 * rp, std::min(P, pp1 * rp));
      for (int64_t kb = 0; kb < kblocks; ++kb) {
        const int64_t k0 = kb * kcb, kc = std::min(kcb, kd - k0);
        auto pack = [&](int64_t i, int64_t lanes, float* dst) {
          const int64_t ns = panel_segments((pp0 + i) * rp, lanes, P, OW, row_step, seg);
          pack_panel(kc, tap.data() + k0, xp, seg, ns, lanes, dst);
        };
        std::atomic<int>* wst = w_state.get() + (g * kblocks + kb) * ch_panels;
        for (int64_t j = cp0; j < cp1 && !w_in_place; ++j) {
          if (claim(wst[j])) {
            pack_weight_panel(w + g * cout_g * kd, kd, j * rc, std::min(rc, cout_g - j * rc), rc,
                              k0, kc, plan.pack_t8, wp_g + j * panel_floats);
            mark_packed(wst[j]);
          }
        }
        for (int64_t j = cp0; j < cp1 && !w_in_place; ++j) wait_packed(wst[j]);
        const float beta = kb == 0 ? 0.0f : 1.0f;
        if (pos_a) {  // B: weight panels (outer, kept in L1), A: position panels (L2)
          for (int64_t i = 0; i < np; ++i) pack(i, rp, panels + i * kc * rp);
          for (int64_t j = 0; j < nc; ++j) {
            const float* bpanel = wp_g + (cp0 + j) * panel_floats + k0 * rc;
            for (int64_t i = 0; i < np; ++i) {
              plan.ukernel(kc, panels + i * kc * rp, bpanel, acc + i * MR * ld + j * NR, ld,
                           1.0f, beta);
            }
          }
        } else {  // B: position panels, each packed right before its use (L1), A: weight panels
          for (int64_t j = 0; j < np; ++j) {
            float* bpanel = panels;
            if (!w_in_place) {
              pack(j, rp, bpanel);
              for (int64_t i = 0; i < nc; ++i) {
                plan.ukernel(kc, wp_g + (cp0 + i) * panel_floats + k0 * rc, bpanel,
                             acc + i * MR * ld + j * NR, ld, 1.0f, beta);
              }
              continue;
            }
            const bool narrow = P - (pp0 + j) * rp <= narrow_cols;
            pack(j, narrow ? narrow_cols : rp, bpanel);
            const f32_gemm_arows_fn kernel = narrow ? cfg.gemm_arows_narrow : cfg.gemm_arows_wide;
            for (int64_t i = 0; i < nc; ++i) {
              const int64_t co = (cp0 + i) * MR;
              kernel(kc, w + (g * cout_g + co) * kd + k0, kd, std::min(MR, cout_g - co), bpanel,
                     acc + i * MR * ld + j * NR, ld, beta);
            }
          }
        }
      }
      write_block(p, pos_a, acc, ld, pp0 * rp, std::min(P, pp1 * rp), cp0 * rc,
                  std::min(cout_g, cp1 * rc), g * cout_g, p.has_bias ? b + g * cout_g : nullptr,
                  plan.pack_t8, cfg.epilogue, y + n * out_image,
                  r != nullptr ? r + n * out_image : nullptr);
    };
    // Each thread runs a contiguous range of the tasks (neighbouring tasks share padded rows,
    // which then stay in one core's cache), then takes what is left of the others' ranges.
    const int64_t total = ni * per_image;
    const int64_t nt = threads > 1 && total > 1 ? threads : 1;
    std::unique_ptr<std::atomic<int64_t>[]> taken(new std::atomic<int64_t>[nt]);
    for (int64_t i = 0; i < nt; ++i) taken[i].store(0, std::memory_order_relaxed);
    auto run = [&](int64_t piece, int64_t) {
      float* panels = panel_space.get(static_cast<size_t>(kcb * max_pos));
      float* acc = acc_space.get(static_cast<size_t>(max_pos * max_ch));
      igemm_segment seg[64];
      // Its range by its parallel_for piece, as gemm.cc's macro_tasks (the same rows per core).
      const int64_t self = piece % nt;
      run_own_range_then_others(total, nt, self, taken.get(),
                                [&](int64_t t) { task(t, panels, acc, seg); });
    };
    if (nt > 1) {
      parallel_for(nt, run);
    } else {
      run(0, 1);
    }
  }
}

}  // namespace convkit
