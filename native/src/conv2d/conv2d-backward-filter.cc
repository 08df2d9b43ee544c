// conv2d backward filter (dw + db) driver.
//   stride-1 NCHW layers with few channels (Cin/group x KH x KW up to the config's limit,
//       Cout/group <= 64), where the config has the kernel: direct dot products of dy rows and
//       shifted input planes (backward_filter_direct);
//   not 1x1: one packed GEMM over positions on the GEMM plan's micro-kernel
//       (backward_filter_packed), B read in place on AVX-512 for stride 1 and Cin_g % 32 == 0.
//   depthwise layers (groups == Cin): dwconv.cc.
// Everything else as below (the same algorithm choice as the forward):
// Per group g (Cin_g = Cin/G, Cout_g = Cout/G, Kd = Cin_g*KH*KW, P = OH*OW), for a tile of
// output positions:
//   NCHW: dw_g[Cout_g, Kd] += dy_g[Cout_g, pt] . col[Kd, pt]^T   (col from im2col)
//   NHWC: dw_g[Cout_g, Kd] += dy_g[pt, Cout_g]^T . col[pt, Kd]
// 1x1 stride-1 unpadded layers skip col: x is the col matrix already.
// Threads: the (image, group, tile) items split into one contiguous range per thread, each
// summing into its own dw partial, and the partials are added at the end (a fixed order: the
// result does not depend on timing). col is bounded by the forward's tile rule (about 2 MB
// per thread).
#include <algorithm>
#include <cstring>
#include <vector>

#include "conv2d/conv2d-backward.h"
#include "conv2d/conv2d-backward-filter-winograd.h"
#include "conv2d/dwconv.h"
#include "conv2d/im2col.h"
#include "conv2d/padded-input.h"
#include "conv2d/ukernel/ukernels.h"
#include "convkit/conv2d.h"
#include "convkit/gemm.h"
#include "convkit/last-path.h"
#include "convkit/parallel.h"
#include "configs/conv2d-config.h"
#include "configs/gemm-config.h"
#include "util/sum.h"
#include "util/workspace.h"

namespace convkit {

namespace {

constexpr int64_t kReduceGrain = 1 << 14;  // floats per parallel chunk of a reduction

thread_local workspace partial_space;  // dw partials of one call, held by the calling thread

// out[i] = sum over k < parts of part[k * n + i], in k order.
void sum_partials(const float* part, int64_t parts, int64_t n, float* out) {
  auto range = [&](int64_t lo, int64_t hi) {
    const int64_t a = lo * kReduceGrain, b = std::min(n, hi * kReduceGrain);
    std::memcpy(out + a, part + a, (b - a) * sizeof(float));
    for (int64_t k = 1; k < parts; ++k) {
      const float* pk = part + k * n;
      for (int64_t i = a; i < b; ++i) out[i] += pk[i];
    }
  };
  const int64_t chunks = (n + kReduceGrain - 1) / kReduceGrain;
  if (n * parts >= 4 * kReduceGrain) {
    parallel_for(chunks, range);
  } else {
    range(0, chunks);
  }
}

// db[co] = sum of dy over n and positions.
void bias_grad(const conv2d_params& p, const float* dy, float* db) {
  const int64_t C = p.out_channels, P = p.out_height * p.out_width, threads = get_num_threads();
  const bool big = p.batch * C * P >= 4 * kReduceGrain && threads > 1;
  if (p.data_layout == layout::nchw) {
    auto channels = [&](int64_t lo, int64_t hi) {
      for (int64_t co = lo; co < hi; ++co) {
        double s = 0.0;
        for (int64_t n = 0; n < p.batch; ++n) s += sum_plane(dy + (n * C + co) * P, P);
        db[co] = static_cast<float>(s);
      }
    };
    if (big) {
      parallel_for(C, channels);
    } else {
      channels(0, C);
    }
    return;
  }
  // NHWC: rows of C; one contiguous range of rows per part, float sums flushed to double.
  const int64_t rows = p.batch * P;
  const int64_t parts = big ? std::min(threads, rows) : 1;
  std::vector<double> acc(static_cast<size_t>(parts * C), 0.0);
  auto part = [&](int64_t lo, int64_t hi) {
    std::vector<float> blk(static_cast<size_t>(C));
    for (int64_t k = lo; k < hi; ++k) {
      double* ak = acc.data() + k * C;
      const int64_t r0 = k * rows / parts, r1 = (k + 1) * rows / parts;
      for (int64_t r = r0; r < r1; r += kFlushRows) {
        std::fill(blk.begin(), blk.end(), 0.0f);
        for (int64_t rr = r; rr < std::min(r1, r + kFlushRows); ++rr) {
          const float* d = dy + rr * C;
          for (int64_t c = 0; c < C; ++c) blk[c] += d[c];
        }
        for (int64_t c = 0; c < C; ++c) ak[c] += blk[c];
      }
    }
  };
  if (parts > 1) {
    parallel_for(parts, part);
  } else {
    part(0, 1);
  }
  for (int64_t c = 0; c < C; ++c) {
    double s = 0.0;
    for (int64_t k = 0; k < parts; ++k) s += acc[k * C + c];
    db[c] = static_cast<float>(s);
  }
}

// ---- dw --------------------------------------------------------------------------------

// Runs item(i, acc) for every i in [0, items), where acc is a zeroed [Cout, Kd] buffer the
// item adds its GEMM into (beta = 1), and leaves the total in dw. With enough items the
// threads each take one contiguous range into a private partial; otherwise the items run
// in order straight into dw and each GEMM uses the threads.
template <class Item>
void accumulate_items(int64_t items, int64_t nw, float* dw, Item item) {
  const int64_t threads = get_num_threads();
  if (threads > 1 && items >= 2 * threads) {
    const int64_t parts = threads;
    float* part = partial_space.get(static_cast<size_t>(parts * nw));
    parallel_for(parts, [&](int64_t lo, int64_t hi) {
      for (int64_t k = lo; k < hi; ++k) {
        float* acc = part + k * nw;
        std::fill(acc, acc + nw, 0.0f);
        for (int64_t i = k * items / parts; i < (k + 1) * items / parts; ++i) item(i, acc);
      }
    });
    sum_partials(part, parts, nw, dw);
  } else {
    std::fill(dw, dw + nw, 0.0f);
    for (int64_t i = 0; i < items; ++i) item(i, dw);
  }
}

void backward_filter_nchw(const conv2d_params& p, const float* dy, const float* x, float* dw) {
  const int64_t G = p.groups, cin_g = p.in_channels / G, cout_g = p.out_channels / G;
  const int64_t kd = cin_g * p.kernel_h * p.kernel_w;
  const int64_t HW = p.in_height * p.in_width, P = p.out_height * p.out_width;
  const bool direct = is_pointwise(p);
  const int64_t pt = tile_size(P, direct ? 1 : kd, p.batch * G, get_num_threads());
  const int64_t tiles = (P + pt - 1) / pt;
  accumulate_items(p.batch * G * tiles, p.out_channels * kd, dw, [&](int64_t t, float* acc) {
    const int64_t n = t / (G * tiles), g = (t / tiles) % G, tile = t % tiles;
    const int64_t p0 = tile * pt, len = std::min(pt, P - p0);
    const float* x_ng = x + (n * p.in_channels + g * cin_g) * HW;            // [Cin_g, H, W]
    const float* dy_tile = dy + (n * p.out_channels + g * cout_g) * P + p0;  // [Cout_g, len], ld P
    float* acc_g = acc + g * cout_g * kd;                                    // [Cout_g, Kd]
    if (direct) {  // x_ng is already [Cin_g, P]
      sgemm(false, true, cout_g, kd, len, 1.0f, dy_tile, P, x_ng + p0, HW, 1.0f, acc_g, kd);
    } else {
      float* col = col_workspace().get(static_cast<size_t>(kd * len));  // [Kd, len]
      im2col_nchw(p, x_ng, p0, len, col);
      sgemm(false, true, cout_g, kd, len, 1.0f, dy_tile, P, col, len, 1.0f, acc_g, kd);
    }
  });
}

void backward_filter_nhwc(const conv2d_params& p, const float* dy, const float* x, float* dw) {
  const int64_t G = p.groups, cin = p.in_channels, cout = p.out_channels;
  const int64_t cin_g = cin / G, cout_g = cout / G;
  const int64_t kd = p.kernel_h * p.kernel_w * cin_g;
  const bool direct = is_pointwise(p);
  // 1x1 stride 1: x is [N*P, Cin], one GEMM over all positions of all images.
  const int64_t images = direct ? 1 : p.batch;
  const int64_t P = direct ? p.batch * p.out_height * p.out_width : p.out_height * p.out_width;
  const int64_t pt = tile_size(P, direct ? 1 : kd, images * G, get_num_threads());
  const int64_t tiles = (P + pt - 1) / pt;
  const int64_t in_image = p.in_height * p.in_width * cin;
  accumulate_items(images * tiles * G, cout * kd, dw, [&](int64_t t, float* acc) {
    const int64_t n = t / (tiles * G), tile = (t / G) % tiles, g = t % G;
    const int64_t p0 = tile * pt, len = std::min(pt, P - p0);
    const float* dy_tile = dy + (n * P + p0) * cout + g * cout_g;  // [len, Cout_g], ld Cout
    float* acc_g = acc + g * cout_g * kd;                          // [Cout_g, Kd]
    if (direct) {
      sgemm(true, false, cout_g, kd, len, 1.0f, dy_tile, cout, x + p0 * cin + g * cin_g, cin, 1.0f,
            acc_g, kd);
    } else {
      float* col = col_workspace().get(static_cast<size_t>(kd * len));  // [len, Kd]
      im2col_nhwc(p, x + n * in_image, g, p0, len, col);
      sgemm(true, false, cout_g, kd, len, 1.0f, dy_tile, cout, col, kd, 1.0f, acc_g, kd);
    }
  });
}

// ---- dw as one packed GEMM over positions -----------------------------------------------
// Per group g: dw_g[Cout_g, Kd] = sum over images n and positions q of dy[co, q] * col[q, tap],
// taps in (kh, kw, ci) order internally (permuted to the layout's order at the end). The GEMM
// runs on the plan's micro-kernel directly: A = dy (MR output channels x kc positions, packed
// from dy as it is), B = col (kc positions x NR taps, packed straight from a zero-padded NHWC
// copy of the image, so a panel of NR channels at one (kh, kw) is one contiguous copy per
// position and no tap needs a bounds check). No im2col buffer, no second packing copy.
// Items (image, group, block of <= kc positions) split into one contiguous range per thread;
// each thread accumulates into its own [Cout_pad, Kd_pad] partial with beta = 1 (and its db
// partial from the packed A panels), and the partials are summed in a fixed order at the end.

thread_local workspace padded_space;  // a worker's padded NHWC image [Hp, Wp, Cin]
thread_local workspace panel_space;   // a worker's packed A panels and B panel

constexpr int64_t kMaxPaddedFloats = int64_t{1} << 24;  // 64 MB: larger images keep im2col tiles

bool filter_packed_fits(const conv2d_params& p) {
  const int64_t hp = p.pad_top + p.in_height + p.pad_bottom, wp = p.pad_left + p.in_width + p.pad_right;
  return hp * wp * p.in_channels <= kMaxPaddedFloats;
}

// xp [Hp, Wp, Cin] <- image n of x, zero in the padding.
void build_padded_nhwc(const conv2d_params& p, const float* x, int64_t n, float* xp) {
  const int64_t C = p.in_channels, H = p.in_height, W = p.in_width;
  const int64_t wp = p.pad_left + W + p.pad_right, row = wp * C;
  std::fill(xp, xp + p.pad_top * row, 0.0f);
  std::fill(xp + (p.pad_top + H) * row, xp + (p.pad_top + H + p.pad_bottom) * row, 0.0f);
  const f32_pack_t8_fn pack_t8 = get_gemm_plan().pack_t8;
  for (int64_t ih = 0; ih < H; ++ih) {
    float* dst = xp + (p.pad_top + ih) * row;
    std::fill(dst, dst + p.pad_left * C, 0.0f);
    std::fill(dst + (p.pad_left + W) * C, dst + row, 0.0f);
    dst += p.pad_left * C;
    if (p.data_layout == layout::nhwc) {
      std::memcpy(dst, x + (n * H + ih) * W * C, W * C * sizeof(float));
      continue;
    }
    const float* src = x + n * C * H * W + ih * W;  // channel c's row at src + c*H*W
    int64_t c = 0;
    if (pack_t8) {
      for (; c + 8 <= C; c += 8) pack_t8(W, src + c * H * W, H * W, dst + c, C);
    }
    for (; c < C; ++c) {
      const float* s = src + c * H * W;
      for (int64_t iw = 0; iw < W; ++iw) dst[iw * C + c] = s[iw];
    }
  }
}

template <int64_t N>
inline void copy_fixed(float* dst, const float* src) {
  std::memcpy(dst, src, N * sizeof(float));
}

// B panel [len][NR]: taps [t0, t0 + NR) (tap t at offset off[t] from a position's base in xp;
// zero from kd on) for the positions [p0, p0 + len) of one image.
void pack_col_panel(const conv2d_params& p, const float* xp, int64_t wp, const int64_t* off,
                    int64_t t0, int64_t kd, int64_t p0, int64_t len, int64_t nr, float* dst) {
  const int64_t C = p.in_channels, OW = p.out_width;
  const int64_t sh = p.stride_h * wp * C, sw = p.stride_w * C;
  const int64_t valid = std::min(nr, kd - t0);
  bool contiguous = valid == nr;
  for (int64_t j = 1; contiguous && j < nr; ++j) contiguous = off[t0 + j] == off[t0] + j;
  int64_t oh = p0 / OW, ow = p0 % OW;
  const float* src = xp + oh * sh + ow * sw;
  for (int64_t q = 0; q < len; ++q, dst += nr) {
    if (contiguous) {
      const float* s = src + off[t0];
      switch (nr) {
        case 32: copy_fixed<32>(dst, s); break;
        case 16: copy_fixed<16>(dst, s); break;
        case 8: copy_fixed<8>(dst, s); break;
        default: std::memcpy(dst, s, nr * sizeof(float)); break;
      }
    } else {
      for (int64_t j = 0; j < valid; ++j) dst[j] = src[off[t0 + j]];
      for (int64_t j = valid; j < nr; ++j) dst[j] = 0.0f;
    }
    if (++ow == OW) {
      ow = 0, ++oh;
      src = xp + oh * sh;
    } else {
      src += sw;
    }
  }
}

// Positions q of one image, `pitch` per output row: q = oh*pitch + ow, real when ow < OW
// (pitch = OW, or Wp for the flat positions of the in-place kernel, whose extra columns are
// zero in A and so add nothing).
// A panel [len][MR]: output channels [co0, co0 + MR) of group g (zero from Cout_g on), positions
// [q0, q0 + len) of image n.
void pack_dy_run(const conv2d_params& p, const float* dy, int64_t n, int64_t c0, int64_t rows,
                 int64_t pos, int64_t len, int64_t mr, f32_pack_t8_fn pack_t8, float* dst) {
  const int64_t cout = p.out_channels, P = p.out_height * p.out_width;
  if (p.data_layout == layout::nchw) {
    const float* src = dy + (n * cout + c0) * P + pos;  // row i at src + i*P
    if (pack_t8 && mr == 8 && rows == 8) {
      pack_t8(len, src, P, dst, 8);
      return;
    }
    for (int64_t q = 0; q < len; ++q) {
      for (int64_t i = 0; i < rows; ++i) dst[q * mr + i] = src[i * P + q];
      for (int64_t i = rows; i < mr; ++i) dst[q * mr + i] = 0.0f;
    }
    return;
  }
  const float* src = dy + (n * P + pos) * cout + c0;  // position q at src + q*Cout
  if (rows == 8 && mr == 8) {
    for (int64_t q = 0; q < len; ++q) copy_fixed<8>(dst + q * 8, src + q * cout);
    return;
  }
  for (int64_t q = 0; q < len; ++q) {
    for (int64_t i = 0; i < rows; ++i) dst[q * mr + i] = src[q * cout + i];
    for (int64_t i = rows; i < mr; ++i) dst[q * mr + i] = 0.0f;
  }
}

void pack_dy_panel(const conv2d_params& p, const float* dy, int64_t n, int64_t g, int64_t co0,
                   int64_t q0, int64_t len, int64_t pitch, int64_t mr, f32_pack_t8_fn pack_t8,
                   float* dst) {
  const int64_t cout_g = p.out_channels / p.groups, OW = p.out_width;
  const int64_t rows = std::min(mr, cout_g - co0), c0 = g * cout_g + co0;
  for (int64_t q = q0; q < q0 + len;) {
    const int64_t oh = q / pitch, ow = q % pitch;
    const int64_t seg = std::min(q0 + len - q, pitch - ow);
    const int64_t real = std::max<int64_t>(0, std::min(seg, OW - ow));
    if (real > 0) pack_dy_run(p, dy, n, c0, rows, oh * OW + ow, real, mr, pack_t8, dst);
    std::fill(dst + real * mr, dst + seg * mr, 0.0f);
    dst += seg * mr;
    q += seg;
  }
}

void backward_filter_packed(const conv2d_params& p, const float* dy, const float* x, float* dw,
                            float* db) {
  const gemm_plan& plan = get_gemm_plan();
  const int64_t MR = plan.mr, NR = plan.nr, KC = plan.kc;
  const int64_t G = p.groups, cin = p.in_channels, cin_g = cin / G, cout = p.out_channels;
  const int64_t cout_g = cout / G, KH = p.kernel_h, KW = p.kernel_w, kd = KH * KW * cin_g;
  const int64_t m_panels = (cout_g + MR - 1) / MR, n_panels = (kd + NR - 1) / NR;
  const int64_t ldc = n_panels * NR, acc_g = m_panels * MR * ldc, acc_n = G * acc_g;
  const int64_t hp = p.pad_top + p.in_height + p.pad_bottom, wp = p.pad_left + p.in_width + p.pad_right;
  const int64_t threads = get_num_threads();
  // In place (the config has the tile, stride 1, Cin_g a multiple of NR): B is read straight
  // from the padded image over flat positions q = oh*Wp + ow, one row of NR channels per
  // position.
  const f32_conv2d_backward_filter_tile_fn in_place_tile =
      get_conv2d_config().backward_filter_in_place;
  const bool in_place = in_place_tile != nullptr && p.stride_h == 1 && p.stride_w == 1 &&
                        cin_g % NR == 0;
  note_conv_dw_path(in_place ? conv_backward_path::packed_in_place : conv_backward_path::packed);
  const int64_t pitch = in_place ? wp : p.out_width;
  const int64_t P = (p.out_height - 1) * pitch + p.out_width;  // positions per image
  // Blocks of at most kc positions, equal in length, and enough of them to feed the threads.
  int64_t blocks = (P + KC - 1) / KC;
  const int64_t outer = p.batch * G;
  if (outer * blocks < threads) blocks = std::min<int64_t>((threads + outer - 1) / outer, std::max<int64_t>(1, P / 32));
  const int64_t len_max = (P + blocks - 1) / blocks;
  blocks = (P + len_max - 1) / len_max;
  const int64_t items = outer * blocks;
  const int64_t parts = std::max<int64_t>(1, std::min(threads, items));
  // off[t] for tap t = (kh*KW + kw)*Cin_g + ci: its offset from a position's base in xp (group 0).
  std::vector<int64_t> off(static_cast<size_t>(kd));
  for (int64_t kh = 0; kh < KH; ++kh) {
    for (int64_t kw = 0; kw < KW; ++kw) {
      for (int64_t ci = 0; ci < cin_g; ++ci) {
        off[(kh * KW + kw) * cin_g + ci] = (kh * p.dilation_h * wp + kw * p.dilation_w) * cin + ci;
      }
    }
  }
  float* part = partial_space.get(static_cast<size_t>(parts * acc_n));
  std::vector<double> db_part(static_cast<size_t>(db != nullptr ? parts * cout : 0), 0.0);
  // seen[k*G + g]: part k has written group g's partial (its first item overwrites it, so
  // the partials need no zeroing; a part that never sees g leaves it out of the sum).
  std::vector<char> seen(static_cast<size_t>(parts * G), 0);
  auto run_part = [&](int64_t k) {
    float* acc = part + k * acc_n;
    float* xp = padded_space.get(static_cast<size_t>(hp * wp * cin));
    float* a_pack = panel_space.get(static_cast<size_t>((m_panels * MR + NR) * len_max));
    float* b_pack = a_pack + m_panels * MR * len_max;
    int64_t built = -1;
    for (int64_t it = k * items / parts; it < (k + 1) * items / parts; ++it) {
      const int64_t n = it / (G * blocks), g = (it / blocks) % G, b = it % blocks;
      const int64_t p0 = b * len_max, len = std::min(len_max, P - p0);
      if (n != built) {
        build_padded_nhwc(p, x, n, xp);
        built = n;
      }
      for (int64_t ip = 0; ip < m_panels; ++ip) {
        float* a = a_pack + ip * MR * len;
        pack_dy_panel(p, dy, n, g, ip * MR, p0, len, pitch, MR, plan.pack_t8, a);
        if (db != nullptr) {  // float over the block, then into the thread's double sums
          float s[64] = {};
          for (int64_t q = 0; q < len; ++q) {
            for (int64_t i = 0; i < MR; ++i) s[i] += a[q * MR + i];
          }
          double* d = db_part.data() + k * cout + g * cout_g + ip * MR;
          for (int64_t i = 0; i < std::min(MR, cout_g - ip * MR); ++i) d[i] += s[i];
        }
      }
      float* acc_gp = acc + g * acc_g;
      const bool accumulate = seen[k * G + g] != 0;
      seen[k * G + g] = 1;
      const int64_t* off_g = off.data();
      if (in_place) {
        const float* xq = xp + g * cin_g + p0 * cin;
        for (int64_t jp = 0; jp < n_panels; ++jp) {
          for (int64_t ip = 0; ip < m_panels; ++ip) {
            in_place_tile(len, a_pack + ip * MR * len, xq + off_g[jp * NR], cin,
                          acc_gp + ip * MR * ldc + jp * NR, ldc, accumulate);
          }
        }
        continue;
      }
      for (int64_t jp = 0; jp < n_panels; ++jp) {
        pack_col_panel(p, xp + g * cin_g, wp, off_g, jp * NR, kd, p0, len, NR, b_pack);
        for (int64_t ip = 0; ip < m_panels; ++ip) {
          plan.ukernel(len, a_pack + ip * MR * len, b_pack, acc_gp + ip * MR * ldc + jp * NR, ldc,
                       1.0f, accumulate ? 1.0f : 0.0f);
        }
      }
    }
  };
  if (parts > 1) {
    parallel_for(parts, [&](int64_t lo, int64_t hi) {
      for (int64_t k = lo; k < hi; ++k) run_part(k);
    });
  } else {
    run_part(0);
  }
  // dw from the partials, in part order; taps back to the layout's order.
  const bool nchw = p.data_layout == layout::nchw;
  auto reduce_rows = [&](int64_t lo, int64_t hi) {
    std::vector<float> sum(static_cast<size_t>(kd));
    for (int64_t r = lo; r < hi; ++r) {  // r = g*Cout_g + co
      const int64_t g = r / cout_g, row = g * acc_g + (r % cout_g) * ldc;
      bool first = true;
      for (int64_t k = 0; k < parts; ++k) {
        if (!seen[k * G + g]) continue;
        const float* src = part + k * acc_n + row;
        if (first) {
          std::memcpy(sum.data(), src, kd * sizeof(float));
        } else {
          for (int64_t t = 0; t < kd; ++t) sum[t] += src[t];
        }
        first = false;
      }
      float* dst = dw + r * kd;
      if (!nchw) {
        std::memcpy(dst, sum.data(), kd * sizeof(float));
        continue;
      }
      const int64_t taps = KH * KW;  // internal t = tap*Cin_g + ci -> ci*taps + tap
      for (int64_t ci = 0; ci < cin_g; ++ci) {
        for (int64_t tap = 0; tap < taps; ++tap) dst[ci * taps + tap] = sum[tap * cin_g + ci];
      }
    }
  };
  if (threads > 1 && parts * cout * kd >= 4 * kReduceGrain) {
    parallel_for(cout, reduce_rows);
  } else {
    reduce_rows(0, cout);
  }
  if (db != nullptr) {
    for (int64_t c = 0; c < cout; ++c) {
      double s = 0.0;
      for (int64_t k = 0; k < parts; ++k) s += db_part[k * cout + c];
      db[c] = static_cast<float>(s);
    }
  }
}

// ---- direct (stride 1, NCHW, few channels) ------------------------------------------------
// Per image, with Wp the padded row pitch: the input planes padded (zeros past the last row, so
// a block of 16 positions reads inside); per tile of positions, dy rows laid out with pitch Wp
// (zeros in the Wp - OW columns between rows and past the last one), then per (group, input
// channel) the config's kernel sums dy[c, q] * xp[q + kh*Wp + kw] over the flat positions q
// into 16-lane slots per (co, ci, tap). Each part (a contiguous range of images) sums into its
// own slots; the slots are reduced once (lanes, then parts in order: the result depends on the
// thread count, as the packed path's, not on timing).
// LeNet-5's conv1 (1 -> 6, 5x5, 28x28 pad 2, batch 64): the packed GEMM gathered a 25-tap col
// panel per position for an 8x32 tile of which 6x25 was used.

thread_local workspace direct_planes_space;  // a worker's padded input planes and dy rows
constexpr int64_t kDirectTileQ = 512;         // positions per kernel call (a multiple of 16)
constexpr int64_t kDirectMaxWeights = int64_t{1} << 20;  // dw size the direct path takes

bool takes_dw_direct(const conv2d_params& p) {
  const conv2d_config& cfg = get_conv2d_config();
  if (cfg.backward_filter_direct == nullptr || p.data_layout != layout::nchw) return false;
  if (p.stride_h != 1 || p.stride_w != 1 || p.dilation_h != 1 || p.dilation_w != 1 || is_pointwise(p)) return false;
  const int64_t cin_g = p.in_channels / p.groups, cout_g = p.out_channels / p.groups;
  const int64_t hp = p.pad_top + p.in_height + p.pad_bottom, wp = p.pad_left + p.in_width + p.pad_right;
  // Its partial sums keep 16 lanes per weight per thread: at most 16M floats (64 MB) of them, or
  // a layer of many groups (Cout large, Cout/group small) would hold 16x its dw per thread.
  const int64_t weights = p.out_channels * cin_g * p.kernel_h * p.kernel_w;
  return cin_g * p.kernel_h * p.kernel_w <= cfg.backward_filter_direct_max_kd && cout_g <= 64 &&
         weights <= kDirectMaxWeights && hp * wp * p.in_channels <= kMaxPaddedFloats;
}

void backward_filter_direct(const conv2d_params& p, const float* dy, const float* x, float* dw) {
  note_conv_dw_path(conv_backward_path::direct);
  const f32_conv2d_backward_filter_direct_fn kernel = get_conv2d_config().backward_filter_direct;
  const int64_t G = p.groups, cin = p.in_channels, cout = p.out_channels, cin_g = cin / G, cout_g = cout / G;
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const int64_t KH = p.kernel_h, KW = p.kernel_w, taps = KH * KW;
  const int64_t wp = p.pad_left + W + p.pad_right, hp = p.pad_top + H + p.pad_bottom;
  const int64_t Q = (OH - 1) * wp + OW, nq = (Q + 15) / 16 * 16;
  const int64_t plane = hp * wp + 16;  // the last block of 16 positions reads up to hp*wp + 14
  std::vector<int64_t> off(static_cast<size_t>(taps));
  for (int64_t kh = 0; kh < KH; ++kh) {
    for (int64_t kw = 0; kw < KW; ++kw) off[kh * KW + kw] = kh * wp + kw;
  }
  const int64_t slots = cout * cin_g * taps * 16;  // [co][ci][tap][lane]
  const int64_t threads = get_num_threads();
  const int64_t parts = std::max<int64_t>(1, std::min(threads, p.batch));
  float* part = partial_space.get(static_cast<size_t>(parts * slots));
  auto run_part = [&](int64_t k) {
    float* acc = part + k * slots;
    std::fill(acc, acc + slots, 0.0f);
    float* xp = direct_planes_space.get(static_cast<size_t>(cin * plane + cout * kDirectTileQ));
    float* dyp = xp + cin * plane;  // [cout][kDirectTileQ]: one tile's dy rows at pitch wp
    for (int64_t n = k * p.batch / parts; n < (k + 1) * p.batch / parts; ++n) {
      for (int64_t c = 0; c < cin; ++c) {
        float* d = xp + c * plane;
        const float* s = x + (n * cin + c) * H * W;
        std::fill(d, d + p.pad_top * wp, 0.0f);
        for (int64_t ih = 0; ih < H; ++ih) {
          float* r = d + (p.pad_top + ih) * wp;
          std::fill(r, r + p.pad_left, 0.0f);
          std::memcpy(r + p.pad_left, s + ih * W, W * sizeof(float));
          std::fill(r + p.pad_left + W, r + wp, 0.0f);
        }
        std::fill(d + (p.pad_top + H) * wp, d + plane, 0.0f);
      }
      // Tiles of positions, so the dy rows and input runs a tile reads stay in L1 / L2 across
      // the (channel, tap) blocks (a 112x112 plane's dy rows are 3 MB at 64 channels, and
      // laying out the whole image first sent them through L3 twice).
      for (int64_t q0 = 0; q0 < nq; q0 += kDirectTileQ) {
        const int64_t len = std::min(kDirectTileQ, nq - q0);
        for (int64_t c = 0; c < cout; ++c) {
          float* d = dyp + c * kDirectTileQ;
          const float* s = dy + (n * cout + c) * OH * OW;
          for (int64_t q = q0; q < q0 + len;) {  // runs of one output row, then its gap
            const int64_t oh = q / wp, ow = q % wp, end = std::min(q0 + len, (oh + 1) * wp);
            const int64_t real = oh < OH ? std::max<int64_t>(0, std::min(end, oh * wp + OW) - q) : 0;
            if (real > 0) std::memcpy(d + (q - q0), s + oh * OW + ow, real * sizeof(float));
            std::fill(d + (q - q0) + real, d + (end - q0), 0.0f);
            q = end;
          }
        }
        for (int64_t g = 0; g < G; ++g) {
          for (int64_t ci = 0; ci < cin_g; ++ci) {
            kernel(len, dyp + g * cout_g * kDirectTileQ, kDirectTileQ, cout_g, xp + (g * cin_g + ci) * plane + q0,
                   off.data(), taps, acc + (g * cout_g * cin_g + ci) * taps * 16, cin_g * taps * 16);
          }
        }
      }
    }
  };
  if (parts > 1) {
    parallel_for(parts, [&](int64_t lo, int64_t hi) {
      for (int64_t k = lo; k < hi; ++k) run_part(k);
    });
  } else {
    run_part(0);
  }
  // dw[co][ci][tap] (NCHW's [Cout, Cin_g, KH, KW]) = the parts' lanes, summed in order.
  const int64_t nw = cout * cin_g * taps;
  for (int64_t i = 0; i < nw; ++i) {
    float s = 0.0f;
    for (int64_t k = 0; k < parts; ++k) {
      const float* l = part + k * slots + i * 16;
      float t = 0.0f;
      for (int64_t j = 0; j < 16; ++j) t += l[j];
      s += t;
    }
    dw[i] = s;
  }
}

}  // namespace

void conv2d_backward_filter(const conv2d_params& p, const float* dy, const float* x, float* dw,
                            float* db) {
  if (!padded_copy_is_lean(p)) {  // absurd padding, stride or dilation: see padded-input.h
    note_conv_dw_path(conv_backward_path::ref);
    conv2d_backward_filter_ref(p, dy, x, dw, db);
    return;
  }
  if (is_depthwise(p)) {
    note_conv_dw_path(conv_backward_path::depthwise);
    if (p.data_layout == layout::nchw) {
      dwconv_backward_filter_nchw(p, dy, x, dw);
    } else {
      dwconv_backward_filter_nhwc(p, dy, x, dw);
    }
  } else if (use_winograd_dw(p) && conv2d_backward_filter_winograd(p, dy, x, dw)) {
    note_conv_dw_path(conv_backward_path::winograd);
  } else if (takes_dw_direct(p)) {
    backward_filter_direct(p, dy, x, dw);
  } else if (!is_pointwise(p) && filter_packed_fits(p) && get_gemm_plan().mr <= 64) {
    backward_filter_packed(p, dy, x, dw, db);  // db fused
    return;
  } else if (p.data_layout == layout::nchw) {
    note_conv_dw_path(conv_backward_path::gemm);
    backward_filter_nchw(p, dy, x, dw);
  } else {
    note_conv_dw_path(conv_backward_path::gemm);
    backward_filter_nhwc(p, dy, x, dw);
  }
  if (db != nullptr) bias_grad(p, dy, db);
}

}  // namespace convkit
