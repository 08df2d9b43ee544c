// Padded input copies and tap tables (padded-input.h).
#include "conv2d/padded-input.h"

#include <algorithm>
#include <cstring>

#include "configs/conv2d-config.h"
#include "configs/gemm-config.h"
#include "conv2d/ukernel/ukernels.h"

namespace convkit {

namespace {

// f(j) for blocks of 8 positions covering [0, n), n >= 8: j = 0, 8, 16, ..., and a tail as a
// last block of 8 that overlaps the one before it (ending at n): the same values written twice.
template <class F>
void blocks_of_8(int64_t n, F f) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) f(j);
  if (j < n) f(n - 8);
}

}  // namespace

workspace& padded_images_space() {
  thread_local workspace space;
  return space;
}
workspace& packed_weights_space() {
  thread_local workspace space;
  return space;
}

padded_input padded_geometry(const conv2d_params& p) {
  padded_input g;
  g.hp = p.pad_top + p.in_height + p.pad_bottom;
  const int64_t wp = p.pad_left + p.in_width + p.pad_right;
  g.wq = (wp + p.stride_w - 1) / p.stride_w;
  g.rowlen = p.stride_w * g.wq;
  // Whole 64-byte lines per plane: workers that copy different rows of the planes in parallel
  // (conv2d-igemm.cc) then share no line at their boundaries, which are line-aligned too.
  g.plane = (g.hp * g.rowlen + 15) / 16 * 16;
  return g;
}

bool padded_copy_is_lean(const conv2d_params& p) {
  // Every quantity below is a product of two factors < 2^33: no overflow in int64 until the
  // final products, which are checked.
  const int64_t hp = p.pad_top + p.in_height + p.pad_bottom;
  const int64_t wp = p.pad_left + p.in_width + p.pad_right;
  const int64_t rowlen = wp + p.stride_w - 1;  // >= S * ceil(Wp / S)
  const int64_t real = p.in_height * p.in_width + p.out_height * p.out_width;  // < 2^63
  int64_t plane, image;
  if (__builtin_mul_overflow(hp, std::max(rowlen, wp), &plane)) return false;
  plane += 15;  // padded_geometry's rounding to whole lines
  if (plane > 4 * real + (int64_t{1} << 16)) return false;
  // The whole padded image (all channels) must also be addressable.
  return !__builtin_mul_overflow(plane, p.in_channels, &image);
}

std::vector<int64_t> tap_offsets(const conv2d_params& p, const padded_input& g, int64_t cin_g,
                                 bool khw_major) {
  std::vector<int64_t> tap(static_cast<size_t>(cin_g * p.kernel_h * p.kernel_w));
  // Kernel column kw reads padded column c = kw * dilation: phase c % stride, index
  // c / stride, stepped by dilation's quotient and remainder (no division per tap).
  const int64_t S = p.stride_w, dq = p.dilation_w / S, dr = p.dilation_w % S;
  for (int64_t ci = 0; ci < cin_g; ++ci) {
    for (int64_t kh = 0; kh < p.kernel_h; ++kh) {
      const int64_t row = ci * g.plane + kh * p.dilation_h * g.rowlen;
      int64_t q = 0, r = 0;  // c / S, c % S
      for (int64_t kw = 0; kw < p.kernel_w; ++kw) {
        const int64_t k = khw_major ? (kh * p.kernel_w + kw) * cin_g + ci
                                    : (ci * p.kernel_h + kh) * p.kernel_w + kw;
        tap[k] = row + r * g.wq + q;
        q += dq, r += dr;
        if (r >= S) r -= S, ++q;
      }
    }
  }
  return tap;
}

namespace {

// One padded row of a strided copy, dst [S][wq] (zeroed): column c = iw + pl of the row
// s[iw * sw] (iw < W) goes to phase c % S, index c / S. Phase by phase, so that there is no
// division per element (the division made pack_padded of a stride-2 stem, 224x224x3 NHWC,
// half of that conv's time).
void scatter_phases(const float* s, int64_t sw, int64_t W, int64_t pl, int64_t S, int64_t wq,
                    float* dst) {
  for (int64_t ph = 0; ph < S; ++ph) {
    const int64_t c = ph >= pl ? ph : ph + (pl - ph + S - 1) / S * S;  // first column >= pl
    float* d = dst + ph * wq + c / S;
    for (int64_t iw = c - pl; iw < W; iw += S) *d++ = s[iw * sw];
  }
}

}  // namespace

void pack_padded(const conv2d_params& p, const padded_input& g, const float* src, int64_t sc,
                 int64_t sh, int64_t sw, int64_t cin_g, float* xp) {
  const int64_t S = p.stride_w;
  for (int64_t ci = 0; ci < cin_g; ++ci) {
    for (int64_t r = 0; r < g.hp; ++r) {
      float* dst = xp + ci * g.plane + r * g.rowlen;
      std::fill(dst, dst + g.rowlen, 0.0f);
      const int64_t ih = r - p.pad_top;
      if (ih < 0 || ih >= p.in_height) continue;
      const float* s = src + ci * sc + ih * sh;
      if (S == 1 && sw == 1) {
        std::memcpy(dst + p.pad_left, s, p.in_width * sizeof(float));
      } else {
        scatter_phases(s, sw, p.in_width, p.pad_left, S, g.wq, dst);
      }
    }
  }
}

void pack_padded_rows(const conv2d_params& p, const padded_input& geo, const float* x_n,
                      int64_t g, int64_t r0, int64_t r1, float* xp) {
  const int64_t cin = p.in_channels, cin_g = cin / p.groups, H = p.in_height, W = p.in_width;
  const int64_t S = p.stride_w, pl = p.pad_left;
  const bool nhwc = p.data_layout == layout::nhwc;
  // Vector kernels for stride 1: a row with its pads in one pass (separate small fills of
  // the pads cost more than the copy), and 8x8 register transposes for NHWC.
  const f32_igemm_pad_row_fn pad_row = S == 1 ? get_conv2d_config().pad_row : nullptr;
  const f32_pack_t8_fn pack_t8 = pad_row != nullptr ? get_gemm_plan().pack_t8 : nullptr;
  // Strided NHWC rows: the same 8x8 transposes, 8 positions of one phase at a time (S * Cin
  // apart in x, consecutive in their phase's columns), where the config has them.
  const f32_pack_t8_fn pack_t8_phases = S > 1 && get_conv2d_config().pad_row != nullptr ? get_gemm_plan().pack_t8 : nullptr;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t ih = r - p.pad_top;
    if (ih < 0 || ih >= H) {
      for (int64_t ci = 0; ci < cin_g; ++ci) {
        float* dst = xp + ci * geo.plane + r * geo.rowlen;
        std::fill(dst, dst + geo.rowlen, 0.0f);
      }
      continue;
    }
    if (!nhwc) {
      for (int64_t ci = 0; ci < cin_g; ++ci) {
        float* dst = xp + ci * geo.plane + r * geo.rowlen;
        const float* s = x_n + ((g * cin_g + ci) * H + ih) * W;
        // The same row of the next chunk: its channels are too many streams for the
        // hardware prefetchers, and the next task copies it soon.
        if (ih + (r1 - r0) < H) {
          for (int64_t iw = 0; iw < W; iw += 16) __builtin_prefetch(s + (r1 - r0) * W + iw, 0, 2);
        }
        if (pad_row != nullptr) {
          pad_row(s, pl, W, geo.rowlen, dst);
        } else if (S == 1) {
          std::fill(dst, dst + pl, 0.0f);
          std::memcpy(dst + pl, s, W * sizeof(float));
          std::fill(dst + pl + W, dst + geo.rowlen, 0.0f);
        } else {
          std::fill(dst, dst + geo.rowlen, 0.0f);
          scatter_phases(s, 1, W, pl, S, geo.wq, dst);
        }
      }
      continue;
    }
    // NHWC: the row is [W][Cin]; read it in order and scatter to the cin_g planes, whose
    // row segments (cin_g * rowlen floats) stay in L1 meanwhile.
    const float* s = x_n + ih * W * cin + g * cin_g;
    float* row = xp + r * geo.rowlen;
    int64_t iw = 0;
    if (pad_row != nullptr && pack_t8 != nullptr) {
      for (int64_t ci = 0; ci < cin_g; ++ci) pad_row(nullptr, pl, W, geo.rowlen, row + ci * geo.plane);
      if (W >= 8) {  // else position by position, below
        blocks_of_8(W, [&](int64_t j) { pack_t8(cin_g, s + j * cin, cin, row + pl + j, geo.plane); });
        iw = W;
      }
    } else {
      for (int64_t ci = 0; ci < cin_g; ++ci) std::fill(row + ci * geo.plane, row + ci * geo.plane + geo.rowlen, 0.0f);
      if (S > 1 && pack_t8_phases != nullptr && cin_g >= 8 && W / S >= 8) {
        // ResNet's stride-2 3x3 layers, NHWC: channel by channel (a gather S * Cin floats
        // apart per element) this copy was 18% of a 64 -> 128 layer over 4 x 56 x 56. Every
        // phase has 8 positions or more (W / S >= 8), so blocks of 8 cover it; shorter rows
        // (14 wide: 7 a phase) stay channel by channel, which writes each plane's run in turn
        // (position by position wrote one line of every plane for each element: 20% slower).
        for (int64_t ph = 0; ph < S; ++ph) {
          const int64_t c = ph >= pl ? ph : ph + (pl - ph + S - 1) / S * S;  // first column >= pl
          const int64_t iw0 = c - pl, n = iw0 < W ? (W - 1 - iw0) / S + 1 : 0;  // the phase's positions
          float* d = row + ph * geo.wq + c / S;
          const float* sp = s + iw0 * cin;
          blocks_of_8(n, [&](int64_t j) { pack_t8_phases(cin_g, sp + j * S * cin, S * cin, d + j, geo.plane); });
        }
        continue;
      }
      if (S > 1) {  // phase by phase, no division per element (a stride-2 stem's rows)
        for (int64_t ci = 0; ci < cin_g; ++ci) scatter_phases(s + ci, cin, W, pl, S, geo.wq, row + ci * geo.plane);
        continue;
      }
    }
    for (; iw < W; ++iw) {
      const int64_t c = iw + pl;
      float* d = row + (c % S) * geo.wq + c / S;
      const float* sv = s + iw * cin;
      for (int64_t ci = 0; ci < cin_g; ++ci) d[ci * geo.plane] = sv[ci];
    }
  }
}

}  // namespace convkit
