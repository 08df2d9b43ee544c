// conv2d (every fast path: implicit GEMM, 1x1 direct GEMM, direct small-Cin, depthwise) against
// conv2d_ref on explicit edge shapes and many random ones, both layouts.
#include <cmath>
#include <limits>
#include <optional>
#include <cstdlib>

#include "configs/conv2d-config.h"
#include "configs/winograd-config.h"
#include "convkit/conv2d.h"
#include "convkit/isa.h"
#include "convkit/last-path.h"
#include "convkit/parallel.h"
#include "conv-shapes.h"
#include "conv2d/padded-input.h"
#include "harness.h"

using convkit::conv2d_params;
using shape = test::conv_shape;
using test::out_size;

namespace {

// The rounding-error scale of a convolution: the same convolution (no activation) of |x|, |w|,
// |b| into bound.
void abs_conv(const conv2d_params& p, std::vector<float> x, std::vector<float> w, std::vector<float> b,
              std::vector<float>& bound) {
  for (auto* a : {&x, &w, &b}) {
    for (float& v : *a) v = std::fabs(v);
  }
  conv2d_params pa = p;
  pa.act = convkit::activation::none;
  convkit::conv2d_ref(pa, x.data(), w.data(), b.data(), bound.data());
}

std::string describe(const shape& s) {
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "N%ld Cin%ld %ldx%ld Cout%ld k%ldx%ld s%ldx%ld p%ld,%ld,%ld,%ld d%ldx%ld g%ld %s%s%s",
                (long)s.n, (long)s.cin, (long)s.h, (long)s.w, (long)s.cout, (long)s.kh, (long)s.kw,
                (long)s.sh, (long)s.sw, (long)s.pt, (long)s.pb, (long)s.pl, (long)s.pr, (long)s.dh,
                (long)s.dw, (long)s.g, s.nhwc ? "nhwc" : "nchw", s.bias ? " bias" : "", s.relu ? " relu" : "");
  return buf;
}

void check_conv(const shape& s) {
  const conv2d_params p = test::conv_params(s);
  if (p.out_height < 1 || p.out_width < 1) return;
  const size_t nx = s.n * s.cin * s.h * s.w, nw = s.cout * (s.cin / s.g) * s.kh * s.kw;
  const size_t ny = s.n * s.cout * p.out_height * p.out_width;
  const auto xv = test::rand_vec(nx), wv = test::rand_vec(nw), bv = test::rand_vec(s.cout);
  test::guarded x(nx), w(nw), b(s.cout), y(ny);
  x.copy_from(xv);
  w.copy_from(wv);
  b.copy_from(bv);
  for (size_t i = 0; i < ny; ++i) y[i] = NAN;  // every element must be written
  std::vector<float> want(ny), bound(ny);
  convkit::conv2d_ref(p, xv.data(), wv.data(), bv.data(), want.data());
  abs_conv(p, xv, wv, bv, bound);
  convkit::conv2d(p, x.data(), w.data(), s.bias ? b.data() : nullptr, y.data());
  const double kd = (s.cin / s.g) * s.kh * s.kw + 1;
  test::close(describe(s).c_str(), y.data(), want.data(), bound.data(), ny, kd);
}

void both_layouts(const shape& s) { test::in_both_layouts(s, check_conv); }

// Random geometry (the caller sets batch and channels): H, W in [1, hw_max], kernel sides in
// [1, k_max] (both 3 when k_max is 3 and square3), strides in [1, s_max] (1 when s_max is 1),
// dilation 2 or 3 about one time in dil_odds (never when dil_odds is 0), pads in [0, pad_max];
// random layout, bias and ReLU.
struct geometry {
  int hw_max, k_max, s_max, dil_odds, pad_max;
  bool square3 = false;
};
void random_geometry(const geometry& r, shape& s) {
  s.h = test::rand_int(1, r.hw_max);
  s.w = test::rand_int(1, r.hw_max);
  s.kh = r.square3 ? 3 : test::rand_int(1, r.k_max);
  s.kw = r.square3 ? 3 : test::rand_int(1, r.k_max);
  s.sh = test::rand_int(1, r.s_max);
  s.sw = test::rand_int(1, r.s_max);
  s.dh = r.dil_odds && test::rand_int(1, r.dil_odds) == r.dil_odds ? 2 : 1;
  s.dw = r.dil_odds && test::rand_int(1, r.dil_odds) == r.dil_odds ? 3 : 1;
  s.pt = test::rand_int(0, r.pad_max);
  s.pb = test::rand_int(0, r.pad_max);
  s.pl = test::rand_int(0, r.pad_max);
  s.pr = test::rand_int(0, r.pad_max);
  s.nhwc = test::rand_int(0, 1);
  s.bias = test::rand_int(0, 1);
  s.relu = test::rand_int(0, 1);
}

}  // namespace

TEST(basic_3x3_same) { both_layouts({1, 3, 7, 13, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, true}); }
TEST(pointwise_1x1) {
  both_layouts({2, 17, 9, 11, 33, 1, 1});
  both_layouts({3, 16, 5, 5, 8, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false, true, true});
  both_layouts({2, 12, 6, 7, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 3, false, true});  // grouped 1x1
}
TEST(edge_geometry) {
  for (const shape& s : test::edge_shapes()) both_layouts(s);
}
TEST(stride_gt_kernel) { both_layouts({2, 5, 13, 11, 7, 2, 2, 3, 4, 0, 0, 0, 0, 1, 1, 1, false, true}); }
TEST(asymmetric_padding) { both_layouts({1, 4, 8, 9, 6, 3, 2, 1, 2, 0, 2, 3, 1, 1, 1, 1, false, true, true}); }
TEST(groups) {
  both_layouts({2, 6, 9, 8, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3, false, true});
  both_layouts({1, 10, 7, 7, 20, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1, 5, false, true, true});
  both_layouts({3, 8, 6, 10, 4, 2, 3, 1, 2, 1, 0, 0, 1, 1, 1, 4});
}
TEST(depthwise) {
  for (int64_t mult = 1; mult <= 3; ++mult) {
    both_layouts({2, 5, 11, 13, 5 * mult, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 5, false, true, true});
    both_layouts({1, 17, 12, 9, 17 * mult, 3, 3, 2, 2, 1, 0, 1, 0, 1, 1, 17, false, true});
    both_layouts({1, 4, 14, 15, 4 * mult, 5, 3, 1, 3, 2, 2, 1, 1, 2, 1, 4, false, false, true});
  }
}
TEST(single_channel_image) { both_layouts({2, 1, 16, 16, 3, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1, false, true}); }
TEST(one_by_one_image) { both_layouts({3, 5, 1, 1, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false, true}); }
TEST(resnet_like_tiled) {
  both_layouts({1, 64, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, true, true});
  both_layouts({1, 128, 40, 40, 16, 3, 3, 1, 1, 1, 1, 1, 1});  // several im2col tiles
  both_layouts({2, 3, 64, 64, 16, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1, false, true, true});
}
// The implicit GEMM's strided NHWC copy by 8x8 transposes, one stride phase at a time: every
// phase holds 8 positions or more (W / S >= 8), with a last block overlapping the one before
// (19 and 18 positions a phase), exactly 8, stride 3, Cin_g not a multiple of 8, groups, and
// rows of 7 positions a phase (the channel-by-channel copy); on 1, 2 and 3 threads, path checked.
TEST(igemm_strided_nhwc_copy) {
  const shape shapes[] = {
      {2, 20, 9, 37, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, true, true, true},
      {1, 24, 6, 16, 17, 3, 3, 2, 2, 1, 0, 0, 1, 1, 1, 1, true, false, true},
      {1, 19, 5, 50, 9, 3, 5, 1, 3, 0, 1, 2, 2, 1, 1, 1, true, true},
      {1, 40, 7, 33, 12, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2, true, true, true},
      {1, 32, 14, 14, 40, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, true, true, true},
  };
  const int saved = convkit::get_num_threads();
  for (const shape& s : shapes) {
    for (int t : {1, 2, 3}) {
      convkit::set_num_threads(t);
      (void)convkit::take_last_conv_path();
      check_conv(s);
      CHECK(convkit::take_last_conv_path() == convkit::conv_path::igemm, "%s: not the implicit GEMM", describe(s).c_str());
    }
  }
  convkit::set_num_threads(saved);
}

// Padded planes are whole 64-byte lines (row chunks copied by different threads share no
// line), and the implicit GEMM's 1x1 stride-2 downsample of ResNet (planes of 14 x 14 floats,
// chunks of rows of 14 floats: rounded to 8 rows) is right with the chunks split between
// threads, and at odd sizes whose rows never fill whole lines.
TEST(padded_planes_whole_lines) {
  for (int64_t h : {1, 7, 13, 14, 29}) {
    for (int64_t sw : {1, 2, 3}) {
      const conv2d_params p = test::conv_params({1, 3, h, h + 2, 4, 3, 3, 1, sw, 1, 0, 2, 1});
      const convkit::padded_input g = convkit::padded_geometry(p);
      CHECK(g.plane % 16 == 0, "plane %ld", (long)g.plane);
      CHECK(g.plane >= g.hp * g.rowlen && g.plane < g.hp * g.rowlen + 16, "plane %ld", (long)g.plane);
    }
  }
  const int saved = convkit::get_num_threads();
  for (int t : {1, 2, 3}) {
    convkit::set_num_threads(t);
    both_layouts({1, 256, 14, 14, 512, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1, false, true, true});
    both_layouts({1, 96, 13, 11, 40, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1, false, true});
  }
  convkit::set_num_threads(saved);
}

TEST(single_thread) {
  const int saved = convkit::get_num_threads();
  convkit::set_num_threads(1);
  both_layouts({2, 12, 15, 14, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, false, true, true});
  both_layouts({1, 6, 10, 10, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6, false, true});
  convkit::set_num_threads(saved);
}
// Small Cin per group takes the direct kernel (AVX-512): Cout not a multiple of its 8-channel
// block, flat stride-1 grids longer than one task chunk, stride-phase-split rows (stride 2, 3,
// stride > kernel, with dilation), asymmetric padding, groups, bias + ReLU, both layouts (NCHW
// stride 1 without padding reads x in place: the guard pages catch a read past its end); at
// 1, 2 and 3 threads (the padded copies are cut into bands of rows when images x groups are
// fewer than twice the threads).
TEST(direct_small_cin) {
  const int saved = convkit::get_num_threads();
  for (int threads : {1, 2, 3}) {
  convkit::set_num_threads(threads);
  both_layouts({1, 3, 41, 37, 13, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1, false, true, true});
  both_layouts({2, 3, 33, 35, 17, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1, false, true, true});
  both_layouts({1, 5, 23, 29, 9, 2, 2, 3, 3, 0, 1, 1, 0});                        // stride > kernel
  both_layouts({1, 4, 25, 27, 11, 3, 3, 2, 2, 2, 1, 0, 3, 2, 2, 1, false, true});  // dilation + stride
  both_layouts({3, 1, 28, 28, 6, 5, 5});                                          // lenet1
  both_layouts({5, 6, 14, 14, 16, 5, 5, 1, 1, 0, 0, 0, 0, 1, 1, 1, false, true});  // lenet2
  both_layouts({1, 16, 19, 21, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, true, true});
  both_layouts({2, 6, 17, 15, 10, 3, 4, 1, 2, 1, 2, 0, 1, 1, 1, 2, false, true});  // groups
  both_layouts({1, 3, 9, 70, 8, 1, 3, 1, 1, 0, 0, 1, 1});                          // one long row
  both_layouts({1, 3, 2, 40, 8, 1, 3, 1, 2, 0, 0, 1, 1});                          // fewer rows than bands
  both_layouts({2, 6, 17, 19, 10, 3, 3, 1, 1, 0, 0, 0, 0, 2, 2, 2, false, true});  // unpadded NCHW: x read in place
  both_layouts({3, 5, 9, 8, 7, 2, 4});                                             // (the last plane's last tap)
  }
  convkit::set_num_threads(saved);
}
// The direct path's NHWC store (a transpose of [rows][ld] tiles): every row count, runs
// around the 8-position blocks, y's stride equal to rows (whole stores overlapping the next
// position) or wider (masked): the right values, and nothing written past a position's rows or
// past the last position.
TEST(direct_tile_to_nhwc) {
  const auto to_nhwc = convkit::get_conv2d_config().direct_to_nhwc;
  CHECK((to_nhwc != nullptr) == (convkit::get_conv2d_config().direct != nullptr), "set together");
  if (to_nhwc == nullptr) return;
  const int64_t ld = 41;
  std::vector<float> tile(8 * ld);
  for (size_t i = 0; i < tile.size(); ++i) tile[i] = static_cast<float>(i) + 0.5f;
  for (int64_t rows = 1; rows <= 8; ++rows) {
    for (int64_t cnt : {1, 7, 8, 9, 16, 23, 40}) {
      for (int64_t ldy : {rows, rows + 3, int64_t{16}}) {
        std::vector<float> y(cnt * ldy + 16, -7.0f);
        to_nhwc(tile.data() + 1, ld, y.data(), ldy, cnt, rows);
        for (int64_t i = 0; i < cnt; ++i) {
          for (int64_t j = 0; j < ldy; ++j) {
            const float want = j < rows ? tile[j * ld + 1 + i] : -7.0f;
            CHECK(y[i * ldy + j] == want, "rows %lld cnt %lld ldy %lld at %lld,%lld", (long long)rows,
                  (long long)cnt, (long long)ldy, (long long)i, (long long)j);
          }
        }
        for (size_t k = cnt * ldy; k < y.size(); ++k) CHECK(y[k] == -7.0f, "past the end at %zu", k);
      }
    }
  }
}
// Depthwise direct kernels: channels not a multiple of 16, rows longer than 64, stride,
// dilation, asymmetric padding, multipliers 1 and 2.
// Depthwise 3x3 and 5x5 NHWC (the row kernel's register-held taps): channel counts around the
// blocks of 16 and 32, widths from 1 (every column an edge) up, strides 1 and 2, pads that move
// the first interior column (0, 1, 2 and asymmetric), bias and ReLU.
TEST(depthwise_kxk_nhwc_blocks) {
  const int64_t channels[] = {1, 7, 16, 17, 31, 32, 33, 48, 65};
  const int64_t widths[] = {1, 2, 3, 4, 7, 12, 13, 20, 29, 41};  // interiors around the blocks of 8 and 12
  const int64_t pads[][2] = {{0, 0}, {1, 1}, {0, 1}, {2, 1}};
  int i = 0;
  for (int64_t k : {3, 5}) {
    for (int64_t c : channels) {
      for (int64_t w : widths) {
        for (const auto& pd : pads) {
          for (int64_t st : {1, 2}) {
            ++i;
            shape s{1 + i % 2, c, k + i % 4, w, c, k, k, st, st, pd[1], pd[0], pd[0], pd[1], 1, 1, c, true, i % 3 != 0, i % 2 == 0};
            check_conv(s);
          }
        }
      }
    }
  }
}
TEST(depthwise_direct) {
  both_layouts({1, 37, 21, 71, 37, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 37, false, true, true});
  both_layouts({2, 19, 13, 66, 38, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 19, false, true});
  both_layouts({1, 21, 17, 19, 21, 5, 3, 2, 3, 2, 0, 1, 2, 2, 1, 21, false, true, true});
  both_layouts({1, 33, 9, 9, 33, 2, 2, 3, 3, 0, 1, 1, 0, 1, 2, 33});
}
TEST(random_shapes) {
  for (int i = 0; i < 250; ++i) {
    shape s{};
    test::random_channels(s, 3, 3);
    random_geometry({15, 5, 4, 3, 3}, s);
    check_conv(s);
  }
}

// Cin per group above the direct kernel's 16: the implicit-GEMM path (conv2d-igemm.cc) in
// both orientations (positions on the MR or the NR side), ragged channel and position blocks,
// padding runs inside panels, strides, dilation, groups, bias + ReLU; 1 and all threads.
TEST(random_shapes_igemm) {
  const int saved = convkit::get_num_threads();
  for (int i = 0; i < 120; ++i) {
    convkit::set_num_threads(i % 3 == 0 ? 1 : saved);
    shape s{};
    s.n = test::rand_int(1, 2);
    s.g = test::rand_int(1, 4) == 4 ? test::rand_int(2, 3) : 1;
    s.cin = s.g * test::rand_int(17, 70);
    s.cout = s.g * test::rand_int(1, 90);
    random_geometry({20, 4, 3, 4, 2}, s);
    check_conv(s);
  }
  convkit::set_num_threads(saved);
}

// The conv2d config's algorithm switch (CONVKIT_CONV_ALGO) set for one scope.
struct forced_algo {
  convkit::conv_algo saved;
  explicit forced_algo(convkit::conv_algo a) : saved(convkit::get_conv2d_config().algo) {
    convkit::mutable_conv2d_config().algo = a;
  }
  ~forced_algo() { convkit::mutable_conv2d_config().algo = saved; }
  forced_algo(const forced_algo&) = delete;
  forced_algo& operator=(const forced_algo&) = delete;
};

// Winograd F(2x2, 3x3) (3x3, stride 1, groups 1): forced with the algorithm switch so
// small channel counts take it too, then the default dispatch on large ones. Odd and tiny
// H/W (ragged last tile row / column), asymmetric padding, padding 0 and 2, channel counts
// not multiples of any register tile, batch > 1 (blocks spanning images), few tiles (one block,
// weights transformed per channel panel in the task) and many (the weights transformed once,
// several blocks), bias + ReLU, both layouts, 1 and all threads.
TEST(winograd) {
  const int saved = convkit::get_num_threads();
  std::optional<forced_algo> force(convkit::conv_algo::winograd);
  for (int threads : {1, saved}) {
    convkit::set_num_threads(threads);
    both_layouts({1, 37, 13, 11, 45, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, true, true});
    both_layouts({3, 20, 9, 15, 33, 3, 3, 1, 1, 0, 2, 1, 0, 1, 1, 1, false, true});   // asymmetric
    both_layouts({2, 19, 7, 8, 7, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, false, false, true});  // pad 0
    both_layouts({2, 33, 6, 5, 40, 3, 3, 1, 1, 2, 2, 2, 2, 1, 1, 1, false, true, true});  // pad 2
    both_layouts({5, 3, 3, 4, 2, 3, 3, 1, 1, 1, 0, 0, 1});                          // tiny
    both_layouts({1, 1, 1, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1});                          // 1x1 image
    both_layouts({4, 70, 14, 14, 100, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, true, true});
    both_layouts({1, 300, 9, 9, 20, 3, 3, 1, 1, 1, 1, 1, 1});                        // Cin > kc
    both_layouts({2, 64, 29, 31, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, true, true});
    both_layouts({3, 48, 23, 25, 41, 3, 3, 1, 1, 2, 0, 0, 1, 1, 1, 1, false, true, true});  // many blocks
  }
  // NCHW in passes of one image (a tiny budget for the NHWC copies)
  int64_t& pass_floats = convkit::mutable_winograd_config().pass_floats;
  const int64_t saved_pass = pass_floats;
  pass_floats = 1000;
  for (int threads : {1, saved}) {
    convkit::set_num_threads(threads);
    both_layouts({3, 40, 9, 12, 35, 3, 3, 1, 1, 1, 0, 2, 1, 1, 1, 1, false, true, true});
  }
  pass_floats = saved_pass;
  for (int i = 0; i < 40; ++i) {
    convkit::set_num_threads(i % 2 == 0 ? 1 : saved);
    shape s{};
    s.n = test::rand_int(1, 3);
    s.cin = test::rand_int(1, 80);
    s.cout = test::rand_int(1, 80);
    random_geometry({20, 3, 1, 0, 2, true}, s);
    check_conv(s);
  }
  force.reset();
  // default dispatch on shapes large enough for it
  for (int threads : {1, saved}) {
    convkit::set_num_threads(threads);
    both_layouts({2, 64, 19, 21, 96, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, true, true});
    both_layouts({1, 128, 17, 19, 128, 3, 3, 1, 1, 0, 1, 1, 0});
  }
  convkit::set_num_threads(saved);
}

// The level's Winograd transforms (AVX-512: 16 channels a vector, AVX2: 8, the tail by the
// portable ones) against the portable transforms, channel counts 1..40 (tails of both widths):
// input and weight transforms equal; the output's sums equal with no activation and ReLU, with
// and without bias and residual, clipped outputs left untouched; the other activations within
// 1e-6 (their vector exp differs from the portable one in the last bits); the non-finite flag
// agrees (a NaN in one channel, in the vector part and in the tail).
TEST(winograd_transforms_match_portable) {
  const convkit::winograd_config& cfg = convkit::get_winograd_config();
  const int64_t ldk = 48;
  for (int64_t cc = 1; cc <= 40; ++cc) {
    const std::vector<float> px = test::rand_vec(static_cast<size_t>(16 * cc)), g = test::rand_vec(static_cast<size_t>(9 * ldk));
    const float* src[16];
    for (int k = 0; k < 16; ++k) src[k] = k % 5 == 3 ? nullptr : px.data() + k * cc;  // some zero pixels
    std::vector<float> a(static_cast<size_t>(16 * ldk), -1.0f), b = a;
    cfg.input(src, cc, a.data(), ldk);
    convkit::f32_winograd_f2k3_input__scalar(src, cc, b.data(), ldk);
    CHECK(a == b, "input transform, %ld channels", (long)cc);
    std::fill(a.begin(), a.end(), -1.0f), std::fill(b.begin(), b.end(), -1.0f);
    cfg.weight(g.data(), ldk, cc, a.data(), ldk);
    convkit::f32_winograd_f2k3_weight__scalar(g.data(), ldk, cc, b.data(), ldk);
    CHECK(a == b, "weight transform, %ld channels", (long)cc);

    const std::vector<float> m = test::rand_vec(static_cast<size_t>(16 * ldk)), bias = test::rand_vec(static_cast<size_t>(cc)),
                             res = test::rand_vec(static_cast<size_t>(4 * cc));
    const float* resp[4] = {res.data(), res.data() + cc, res.data() + 2 * cc, res.data() + 3 * cc};
    for (const convkit::activation act : {convkit::activation::none, convkit::activation::relu, convkit::activation::relu6,
                                          convkit::activation::sigmoid, convkit::activation::silu, convkit::activation::hard_swish}) {
      for (int variant = 0; variant < 4; ++variant) {
        const bool with_bias = variant & 1, with_res = variant & 2;
        std::vector<float> ya(static_cast<size_t>(4 * cc), 7.0f), yb = ya;
        float* da[4] = {ya.data(), nullptr, ya.data() + 2 * cc, ya.data() + 3 * cc};  // (0, 1) clipped
        float* db[4] = {yb.data(), nullptr, yb.data() + 2 * cc, yb.data() + 3 * cc};
        const bool fa = cfg.output(m.data(), ldk, cc, with_bias ? bias.data() : nullptr, with_res ? resp : nullptr, act, da);
        const bool fb = convkit::f32_winograd_f2k3_output__scalar(m.data(), ldk, cc, with_bias ? bias.data() : nullptr,
                                                                  with_res ? resp : nullptr, act, db);
        CHECK(fa && fb, "finite sums flagged, %ld channels", (long)cc);
        const bool exact = act == convkit::activation::none || act == convkit::activation::relu;
        for (size_t i = 0; i < ya.size(); ++i) {
          const double tol = exact ? 0.0 : 1e-6 * (1.0 + std::fabs(yb[i]));
          CHECK(std::fabs(ya[i] - yb[i]) <= tol, "output %zu of %ld channels, act %d, variant %d: %g vs %g", i,
                (long)cc, static_cast<int>(act), variant, ya[i], yb[i]);
        }
      }
    }
    for (const int64_t at : {int64_t{0}, cc - 1}) {  // a NaN product: flagged by both
      std::vector<float> mn = m, y(static_cast<size_t>(4 * cc));
      mn[static_cast<size_t>(5 * ldk + at)] = std::numeric_limits<float>::quiet_NaN();
      float* d[4] = {y.data(), y.data() + cc, y.data() + 2 * cc, y.data() + 3 * cc};
      CHECK(!cfg.output(mn.data(), ldk, cc, nullptr, nullptr, convkit::activation::none, d), "NaN at %ld not flagged", (long)at);
      CHECK(!convkit::f32_winograd_f2k3_output__scalar(mn.data(), ldk, cc, nullptr, nullptr, convkit::activation::none, d),
            "portable: NaN at %ld not flagged", (long)at);
    }
  }
}

// Inf / NaN in x on the Winograd path: the transforms spread a special value over its whole
// 4x4 tile (+Inf beside finite values came out NaN), so conv2d_winograd recomputes by the
// implicit GEMM when any output is non-finite. Against conv2d_ref, class for class (an Inf
// of the same sign, NaN for NaN), at a corner, an edge and the interior, both layouts.
TEST(winograd_keeps_ieee_specials) {
  const forced_algo force(convkit::conv_algo::winograd);
  const float inf = std::numeric_limits<float>::infinity();
  for (const float special : {inf, -inf, std::numeric_limits<float>::quiet_NaN()}) {
    for (const bool nhwc : {false, true}) {
      convkit::conv2d_params p{};
      p.batch = 1, p.in_channels = 32, p.in_height = 8, p.in_width = 9;
      p.out_channels = 24, p.out_height = 8, p.out_width = 9;
      p.kernel_h = p.kernel_w = 3, p.stride_h = p.stride_w = 1;
      p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
      p.dilation_h = p.dilation_w = 1, p.groups = 1;
      p.data_layout = nhwc ? convkit::layout::nhwc : convkit::layout::nchw;
      const int64_t C = 32, H = 8, W = 9;
      std::vector<float> x(static_cast<size_t>(C * H * W), 1.0f), w(static_cast<size_t>(24 * C * 9), 0.01f);
      const int64_t spots[3][3] = {{0, 0, 0}, {5, 0, 4}, {31, 3, 5}};  // c, h, w
      for (const auto& q : spots) {
        x[static_cast<size_t>(nhwc ? (q[1] * W + q[2]) * C + q[0] : (q[0] * H + q[1]) * W + q[2])] = special;
      }
      const size_t ny = static_cast<size_t>(24 * H * W);
      std::vector<float> y(ny, 12345.0f), want(ny);
      convkit::conv2d(p, x.data(), w.data(), nullptr, y.data());
      convkit::conv2d_ref(p, x.data(), w.data(), nullptr, want.data());
      for (size_t i = 0; i < ny; ++i) {
        const bool same = std::isnan(want[i]) ? std::isnan(y[i])
                          : std::isinf(want[i]) ? y[i] == want[i]
                                                : std::fabs(y[i] - want[i]) <= 1e-4f * (1 + std::fabs(want[i]));
        if (!same) {
          CHECK(false, "special %g nhwc %d at %zu: %g vs %g", special, nhwc, i, y[i], want[i]);
          break;
        }
      }
    }
  }
}

// Padding, stride or dilation up to 2^31 - 1 on tiny images (the padded copy's size
// overflowed int64, or took gigabytes for a 1x1 output): the reference loops run instead, and
// guard pages catch any write outside the output.
TEST(absurd_padding_stride_dilation) {
  for (const shape& s : test::absurd_geometry_shapes()) both_layouts(s);
}

// The validator the glue uses: every shape the tests run passes it, and each rule fails alone.
TEST(params_check) {
  const int64_t B = (int64_t{1} << 31) - 1;
  conv2d_params p = test::conv_params({2, 4, 9, 9, 6, 3, 3, 2, 1, 1, 1, 0, 2, 1, 2, 2});
  CHECK(convkit::conv2d_params_check(p).empty(), "valid shape refused: %s", convkit::conv2d_params_check(p).c_str());
  auto fails = [&](conv2d_params q, const char* want) {
    const std::string got = convkit::conv2d_params_check(q);
    CHECK(got.find(want) != std::string::npos, "want '%s', got '%s'", want, got.c_str());
  };
  conv2d_params q = p; q.groups = 4; fails(q, "groups 4 must divide");
  q = p; q.out_height += 1; fails(q, "outHeight x outWidth is");
  q = p; q.stride_w = 0; fails(q, "strideW must be in [1,");
  q = p; q.pad_left = -1; fails(q, "padLeft must be in [0,");
  q = p; q.kernel_h = B + 1; fails(q, "kernelH must be in");
  // Products past 2^53 and past 2^63 (each factor < 2^31): refused, never wrapped.
  q = test::conv_params({B, B, B, B, 1, 1, 1}); fails(q, "x would have more than 2^53 elements");
  q = test::conv_params({1, 1, 1, 1, B, 1, 1}); q.in_channels = B; q.groups = 1; q.kernel_h = q.kernel_w = 1;
  q.out_channels = B; q.in_height = q.in_width = 1; q.out_height = q.out_width = 1; fails(q, "w would have more than 2^53");
}

// conv2d_packed on conv2d_prepack's weights == conv2d bit for bit, without and with a residual
// and an activation: the 1x1 NHWC shapes that hold GEMM B panels (several k blocks, one flat k
// block, ragged channels, groups, the small-product paths, one and all threads), the 1x1 NCHW
// ones (A panels), Winograd's and shapes without (the copy of w: the direct and implicit GEMM
// paths).
TEST(prepacked_weights) {
  const shape shapes[] = {
      {1, 320, 7, 7, 1280, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true, true},
      {2, 37, 5, 7, 45, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
      {1, 36, 9, 11, 60, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 3, true},
      {1, 700, 6, 5, 70, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, false, true},
      {1, 600, 17, 17, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true, true},
      {1, 40, 1, 2, 33, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
      {1, 24, 6, 6, 4, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
      {2, 40, 7, 9, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false, true},
      {1, 1400, 3, 5, 38, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2, false, true, true},
      {1, 64, 13, 13, 256, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false, true, true},
      {1, 24, 9, 9, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, true, true, true},
      // NHWC with few positions: split into one position range per thread (conv2d's
      // unpacked call splits the GEMM over channels instead; both give the same bits).
      {1, 64, 14, 14, 384, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true, true},
      {1, 40, 9, 11, 72, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, false, true},
      {1, 48, 8, 9, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2, true, true},
      // Winograd: the transformed weights prepacked, both layouts, few tiles (the path that
      // transforms per task and panel when not prepacked) and many, Cout not a whole panel.
      {1, 64, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, true, true},
      {1, 40, 13, 11, 72, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, true},
      {1, 24, 56, 56, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, true, true},
      {2, 32, 30, 27, 33, 3, 3, 1, 1, 0, 1, 2, 0, 1, 1, 1, false, false, true},
      // Implicit GEMM (no prepacked form: its weights are read in place or packed per call).
      {1, 64, 14, 14, 96, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, true, true, true},
      {3, 20, 11, 13, 64, 3, 3, 2, 2, 1, 0, 1, 2, 1, 1, 2, false, true},
      {2, 24, 15, 15, 20, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, true, true},
  };
  const int threads = convkit::get_num_threads();
  int winograd_runs = 0;
  for (const shape& s : shapes) {
    for (int t : {1, threads, 3}) {
      convkit::set_num_threads(t);
      const conv2d_params p = test::conv_params(s);
      const size_t nx = convkit::conv2d_x_size(p), nw = convkit::conv2d_w_size(p), ny = convkit::conv2d_y_size(p);
      const auto xv = test::rand_vec(nx), wv = test::rand_vec(nw), bv = test::rand_vec(s.cout);
      const int64_t np = convkit::conv2d_packed_size(p);
      test::guarded packed(static_cast<size_t>(np > 0 ? np : 1)), y(ny), yp(ny);
      convkit::conv2d_prepack(p, wv.data(), packed.data());
      const float* b = s.bias ? bv.data() : nullptr;
      (void)convkit::take_last_conv_path();
      convkit::conv2d(p, xv.data(), wv.data(), b, y.data());
      const convkit::conv_path plain = convkit::take_last_conv_path();
      const bool pointwise = plain == convkit::conv_path::pointwise, winograd = plain == convkit::conv_path::winograd;
      winograd_runs += winograd;
      CHECK(pointwise == (s.kh == 1 && s.kw == 1), "%s: path %s", describe(s).c_str(), convkit::path_name(plain));
      CHECK(pointwise || winograd ? np > 0 : np == 0, "%s: packed size %ld (path %s)",
            describe(s).c_str(), (long)np, convkit::path_name(plain));
      convkit::conv2d_packed(p, xv.data(), wv.data(), packed.data(), b, yp.data());
      const convkit::conv_path path = convkit::take_last_conv_path();
      CHECK(path == (pointwise ? convkit::conv_path::pointwise_prepacked : plain),
            "%s: path %s", describe(s).c_str(), convkit::path_name(path));
      CHECK(std::memcmp(y.data(), yp.data(), ny * sizeof(float)) == 0, "%s, %d threads: packed != conv2d", describe(s).c_str(), t);
      // And with a residual and SiLU (each path's fused epilogue on the prepacked form).
      conv2d_params q = p;
      q.act = convkit::activation::silu;
      const auto rv = test::rand_vec(ny);
      convkit::conv2d(q, xv.data(), wv.data(), b, y.data(), rv.data());
      convkit::conv2d_packed(q, xv.data(), wv.data(), packed.data(), b, yp.data(), rv.data());
      CHECK(std::memcmp(y.data(), yp.data(), ny * sizeof(float)) == 0, "%s, %d threads, residual: packed != conv2d",
            describe(s).c_str(), t);
    }
  }
  // Where the level has Winograd, its shapes above took it (and so its prepacked form).
  if (convkit::get_winograd_config().preferred) CHECK(winograd_runs >= 12, "Winograd ran %d times", winograd_runs);
  convkit::set_num_threads(threads);
}

int main() { return test::run_all("conv2d-test"); }

// ---- fused epilogue: bias + residual + activation --------------------------------------------

namespace {

const convkit::activation kActivations[] = {
    convkit::activation::none,    convkit::activation::relu, convkit::activation::relu6,
    convkit::activation::sigmoid, convkit::activation::silu, convkit::activation::hard_swish};
const char* const kActNames[] = {"none", "relu", "relu6", "sigmoid", "silu", "hardSwish"};

// conv2d(p, x, w, b, y, r) with activation act against the unfused computation: conv2d_ref
// without activation or residual, then + r, then the activation in double. Inputs in
// [-1, 1], the residual in [-3, 3] (so relu6 and hardSwish reach both their corners). Returns
// the path conv2d took.
convkit::conv_path check_fused(const shape& s0, convkit::activation act, bool with_residual) {
  shape s = s0;
  s.relu = false;
  conv2d_params p = test::conv_params(s);
  p.act = act;
  const size_t nx = s.n * s.cin * s.h * s.w, nw = s.cout * (s.cin / s.g) * s.kh * s.kw;
  const size_t ny = s.n * s.cout * p.out_height * p.out_width;
  const auto xv = test::rand_vec(nx), wv = test::rand_vec(nw), bv = test::rand_vec(s.cout);
  auto rv = test::rand_vec(ny);
  for (auto& v : rv) v *= 3.0f;
  test::guarded x(nx), w(nw), b(s.cout), y(ny), r(ny);
  x.copy_from(xv);
  w.copy_from(wv);
  b.copy_from(bv);
  r.copy_from(rv);
  for (size_t i = 0; i < ny; ++i) y[i] = NAN;
  conv2d_params plain = p;
  plain.act = convkit::activation::none;
  std::vector<float> want(ny), bound(ny);
  convkit::conv2d_ref(plain, xv.data(), wv.data(), bv.data(), want.data());
  abs_conv(plain, xv, wv, bv, bound);
  for (size_t i = 0; i < ny; ++i) {
    double v = static_cast<float>(want[i] + (with_residual ? rv[i] : 0.0f));
    switch (act) {
      case convkit::activation::none: break;
      case convkit::activation::relu: v = v < 0 ? 0 : v; break;
      case convkit::activation::relu6: v = v < 0 ? 0 : (v > 6 ? 6 : v); break;
      case convkit::activation::sigmoid: v = 1.0 / (1.0 + std::exp(-v)); break;
      case convkit::activation::silu: v = v / (1.0 + std::exp(-v)); break;
      case convkit::activation::hard_swish: v = v * std::min(std::max(v + 3.0, 0.0), 6.0) / 6.0; break;
    }
    want[i] = static_cast<float>(v);
    bound[i] = 1.5f * (bound[i] + (with_residual ? std::fabs(rv[i]) : 0.0f));  // slope <= 1.5
  }
  (void)convkit::take_last_conv_path();
  convkit::conv2d(p, x.data(), w.data(), s.bias ? b.data() : nullptr, y.data(),
                  with_residual ? r.data() : nullptr);
  const convkit::conv_path path = convkit::take_last_conv_path();
  char what[400];
  std::snprintf(what, sizeof what, "%s act %s%s", describe(s).c_str(), kActNames[static_cast<int>(act)],
                with_residual ? " residual" : "");
  const double kd = (s.cin / s.g) * s.kh * s.kw + 1;
  test::close(what, y.data(), want.data(), bound.data(), ny, kd, 2e-6);
  return path;
}

// One shape per conv path (the AVX-512 dispatch; other levels send some elsewhere, which the
// expectation allows), each activation, with and without the residual, both layouts.
struct path_case {
  shape s;
  convkit::conv_path avx512_path;
};
const path_case kPathCases[] = {
    {{2, 32, 9, 11, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, true}, convkit::conv_path::winograd},
    {{1, 24, 12, 7, 33, 3, 3, 1, 1, 0, 1, 2, 0, 1, 1, 1, false, false}, convkit::conv_path::winograd},
    {{2, 3, 17, 15, 13, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, false, true}, convkit::conv_path::direct},  // rows
    {{1, 5, 19, 23, 11, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, true}, convkit::conv_path::direct},  // flat
    {{1, 16, 10, 10, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, false, true}, convkit::conv_path::direct},  // grouped
    {{1, 24, 15, 15, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, false, true}, convkit::conv_path::igemm},
    {{2, 20, 12, 14, 17, 5, 5, 1, 1, 3, 3, 3, 3, 2, 2, 1, false, true}, convkit::conv_path::igemm},
    {{1, 64, 5, 5, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, true}, convkit::conv_path::igemm},
    {{1, 200, 7, 7, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, true}, convkit::conv_path::igemm},  // pos on A
    {{1, 36, 9, 8, 10, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 2, false, true}, convkit::conv_path::igemm},  // grouped
    {{2, 40, 7, 9, 24, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false, true}, convkit::conv_path::pointwise},
    {{1, 15, 6, 5, 12, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 3, false, true}, convkit::conv_path::pointwise},
    {{1, 19, 13, 11, 38, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 19, false, true}, convkit::conv_path::depthwise},
    {{2, 33, 10, 9, 33, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 33, false, true}, convkit::conv_path::depthwise},
    {{1, 2, 2, 2, 3, 3, 3, 300, 300, 200, 200, 200, 200, 1, 1, 1, false, true}, convkit::conv_path::ref},
};

void fused_cases(bool check_paths) {
  for (const path_case& c : kPathCases) {
    for (bool nhwc : {false, true}) {
      shape s = c.s;
      s.nhwc = nhwc;
      for (const convkit::activation act : kActivations) {
        for (bool res : {false, true}) {
          const convkit::conv_path got = check_fused(s, act, res);
          if (check_paths) CHECK(got == c.avx512_path, "%s: path %d, want %d", describe(s).c_str(), static_cast<int>(got), static_cast<int>(c.avx512_path));
          // Every level with vector transforms (AVX-512, AVX2) takes Winograd where AVX-512 does,
          // and every level with a direct kernel the direct path.
          if (c.avx512_path == convkit::conv_path::winograd && convkit::get_winograd_config().preferred) {
            CHECK(got == convkit::conv_path::winograd, "%s: path %d, want Winograd", describe(s).c_str(), static_cast<int>(got));
          }
          if (c.avx512_path == convkit::conv_path::direct && convkit::get_conv2d_config().direct != nullptr) {
            CHECK(got == convkit::conv_path::direct, "%s: path %d, want direct", describe(s).c_str(), static_cast<int>(got));
          }
        }
      }
    }
  }
}

}  // namespace

// NHWC pointwise with prepacked weights finishes the epilogue inside the GEMM's tiles
// (gemm_epilogue: the finishing kernel on full tiles, the edge kernel on its own tiles where
// the ISA has one, else epilogue_rows); conv2d without them runs the product, then the epilogue
// pass. Same bits, every activation, with and without the residual: A packed (256 and 1280
// channels out), A in place (40 = one full panel and an 8-wide edge; 12 and 16: edge tiles
// only, 16 rows at a time and the 8, 4, 2, 1-row rest; 20: partial tiles of a panel over half
// full; 330 and 200 over 49 and 70 positions: a flat product, one k block, A in place only
// when prepacked), the whole depth in one k block (900, 320, 300 and 1500 channels in), 3 and
// 4 positions (two-row GEMVs), positions not a multiple of the tile's rows, 1 to 3 threads.
// y a channel slice of a wider tensor (conv2d_params::y_channels): conv2d and conv2d_packed
// write into the slice exactly the plain output's bits and nothing else of the span (a guard
// page right after its last element, a sentinel in the other channels), on every path: the
// ones that write slices themselves (NHWC 1x1 GEMM and direct without a residual, NHWC
// Winograd) and the plain-output route (the rest, and the 1x1 / direct ones with a residual).
TEST(y_slice_every_path) {
  const shape shapes[] = {
      {1, 32, 13, 13, 64, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true, true},   // 1x1 GEMM
      {2, 24, 15, 13, 40, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1, true, true},         // strided 1x1
      {1, 32, 13, 13, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, true, true},   // Winograd
      {2, 16, 27, 27, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, true, true},   // direct NHWC
      {1, 40, 9, 9, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, true, true},           // implicit GEMM
      {1, 33, 9, 9, 33, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 33, true, true, true},    // depthwise
      {2, 24, 9, 7, 20, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false, true},          // NCHW 1x1
      {2, 32, 28, 28, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false, true, true},  // NCHW Winograd
  };
  const int threads = convkit::get_num_threads();
  constexpr float kSentinel = -12345.5f;
  for (const shape& s : shapes) {
    for (const bool residual : {false, true}) {
      for (int t : {1, threads}) {
        convkit::set_num_threads(t);
        const conv2d_params p = test::conv_params(s);
        const int64_t P = p.out_height * p.out_width, C = p.out_channels, ny = convkit::conv2d_y_size(p);
        const auto xv = test::rand_vec(convkit::conv2d_x_size(p)), wv = test::rand_vec(convkit::conv2d_w_size(p));
        const auto bv = test::rand_vec(s.cout), rv = test::rand_vec(ny);
        const float* r = residual ? rv.data() : nullptr;
        std::vector<float> plain(ny), packed(convkit::conv2d_packed_size(p));
        convkit::conv2d(p, xv.data(), wv.data(), s.bias ? bv.data() : nullptr, plain.data(), r);
        if (!packed.empty()) convkit::conv2d_prepack(p, wv.data(), packed.data());
        conv2d_params q = p;
        q.y_channels = C + 5;
        const int64_t span = convkit::conv2d_y_size(q);
        for (const bool use_packed : {false, true}) {
          test::guarded y(static_cast<size_t>(span));
          for (int64_t i = 0; i < span; ++i) y[i] = kSentinel;
          if (use_packed) {
            convkit::conv2d_packed(q, xv.data(), wv.data(), packed.data(), s.bias ? bv.data() : nullptr, y.data(), r);
          } else {
            convkit::conv2d(q, xv.data(), wv.data(), s.bias ? bv.data() : nullptr, y.data(), r);
          }
          int64_t wrong = 0, outside = 0;
          for (int64_t i = 0; i < span; ++i) {
            // NHWC: pixel i / Y, channel i % Y; NCHW: image i / (Y P), channel (i / P) % Y.
            const int64_t Y = q.y_channels;
            const int64_t c = s.nhwc ? i % Y : (i / P) % Y;
            if (c >= C) {
              outside += y[i] != kSentinel;
              continue;
            }
            const int64_t at = s.nhwc ? (i / Y) * C + c : ((i / (Y * P)) * C + c) * P + i % P;
            wrong += std::memcmp(&y[i], &plain[at], sizeof(float)) != 0;
          }
          CHECK(wrong == 0 && outside == 0, "%s%s%s: %ld wrong, %ld written outside", describe(s).c_str(),
                residual ? " residual" : "", use_packed ? " packed" : "", (long)wrong, (long)outside);
        }
        CHECK(convkit::conv2d_params_check(q).empty(), "%s", convkit::conv2d_params_check(q).c_str());
      }
    }
  }
  convkit::set_num_threads(threads);
  conv2d_params bad = test::conv_params(shapes[0]);
  bad.y_channels = bad.out_channels - 1;
  CHECK(!convkit::conv2d_params_check(bad).empty(), "yChannels under outChannels accepted");
}

// 1x1 layers on many threads (8: the most a 2-core machine allows, max_num_threads): the
// prepacked NHWC path keeps its 1-thread bits (1568 positions, 512 input channels: 8 ranges of
// 196 would each run in one k block of 512 where the whole product takes blocks of kc; it takes
// 6 ranges of 262), NCHW splits positions only; the unpacked forms, whose tiles of 196 positions
// each run one GEMM too small to thread, run those tiles side by side (run_tasks) and match the
// reference (on 8 threads).
TEST(pointwise_many_threads) {
  const shape shapes[] = {
      {1, 512, 28, 56, 64, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
      {1, 256, 28, 56, 64, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false, true},
      {2, 96, 28, 28, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false, true},
  };
  const int saved = convkit::get_num_threads();
  for (const shape& s : shapes) {
    const conv2d_params p = test::conv_params(s);
    const size_t nx = convkit::conv2d_x_size(p), nw = convkit::conv2d_w_size(p), ny = convkit::conv2d_y_size(p);
    const auto xv = test::rand_vec(nx), wv = test::rand_vec(nw), bv = test::rand_vec(s.cout);
    std::vector<float> packed(static_cast<size_t>(convkit::conv2d_packed_size(p))), y1(ny), y(ny);
    convkit::set_num_threads(1);
    convkit::conv2d_prepack(p, wv.data(), packed.data());
    convkit::conv2d_packed(p, xv.data(), wv.data(), packed.data(), bv.data(), y1.data());
    for (int t : {2, 5, 8}) {
      convkit::set_num_threads(t);
      convkit::conv2d_packed(p, xv.data(), wv.data(), packed.data(), bv.data(), y.data());
      CHECK(std::memcmp(y.data(), y1.data(), ny * sizeof(float)) == 0, "%s, %d threads: not the 1-thread bits",
            describe(s).c_str(), t);
    }
    check_conv(s);
  }
  convkit::set_num_threads(saved);
}

TEST(prepacked_pointwise_fused_epilogue_bits) {
  const shape shapes[] = {
      {1, 64, 9, 7, 256, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
      {2, 48, 5, 7, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
      {1, 24, 11, 3, 12, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, false},
      {2, 32, 13, 9, 16, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
      {1, 17, 7, 11, 20, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
      {1, 900, 3, 5, 72, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
      {1, 96, 2, 3, 1280, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
      {1, 320, 7, 7, 330, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
      {2, 300, 5, 7, 200, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
      {1, 1500, 5, 5, 300, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
      {4, 96, 1, 1, 200, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},  // 4 positions: GEMVs
      {3, 64, 1, 1, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true, true},
  };
  const int threads = convkit::get_num_threads();
  for (const shape& s : shapes) {
    for (const convkit::activation act : kActivations) {
      for (bool residual : {false, true}) {
        for (int t : {1, 2, 3}) {
          convkit::set_num_threads(t);
          conv2d_params p = test::conv_params(s);
          p.act = act;
          const size_t nx = convkit::conv2d_x_size(p), nw = convkit::conv2d_w_size(p), ny = convkit::conv2d_y_size(p);
          const auto xv = test::rand_vec(nx), wv = test::rand_vec(nw), bv = test::rand_vec(s.cout), rv = test::rand_vec(ny);
          std::vector<float> packed(static_cast<size_t>(convkit::conv2d_packed_size(p))), y(ny), yp(ny);
          convkit::conv2d_prepack(p, wv.data(), packed.data());
          const float* b = s.bias ? bv.data() : nullptr;
          const float* r = residual ? rv.data() : nullptr;
          convkit::conv2d(p, xv.data(), wv.data(), b, y.data(), r);
          (void)convkit::take_last_conv_path();
          convkit::conv2d_packed(p, xv.data(), wv.data(), packed.data(), b, yp.data(), r);
          CHECK(convkit::take_last_conv_path() == convkit::conv_path::pointwise_prepacked, "%s: not the prepacked path",
                describe(s).c_str());
          CHECK(std::memcmp(y.data(), yp.data(), ny * sizeof(float)) == 0, "%s act %s%s, %d threads: packed != conv2d",
                describe(s).c_str(), kActNames[static_cast<int>(act)], residual ? " residual" : "", t);
        }
      }
    }
  }
  convkit::set_num_threads(threads);
}

// Every conv path (the hook asserts which ran, at AVX-512), every activation, residual on
// and off, both layouts, 1 and all threads; at every ISA level (ctest's CONVKIT_ISA runs).
// The direct NHWC row kernel's tails (small Cin; AVX-512 and AVX2): every row length from 1 to
// 40 (every tail of every block size, with and without whole blocks before it) with 5 to 70
// output channels (AVX-512: MR = 24, 12 and 6 positions for 1, 2 and 4 vectors; AVX2: 12 and 6
// for 1 and 2, passes of 16 channels; whole and masked last vectors), bias and ReLU, and with a
// residual and SiLU (AVX2: the epilogue after).
TEST(direct_nhwc_row_tails) {
  for (int64_t w = 1; w <= 40; ++w) {
    for (int64_t cout : {5, 9, 16, 20, 40, 70}) {
      const shape s{1, 3, 3, w, cout, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true, true, w % 2 == 0};
      check_conv(s);
      const convkit::conv_path path = check_fused(s, convkit::activation::silu, true);
      if (convkit::get_conv2d_config().direct_nhwc != nullptr) {
        CHECK(path == convkit::conv_path::direct, "%s: path %s", describe(s).c_str(), convkit::path_name(path));
      }
    }
  }
}

// The direct kernel's tails at every level (f32_conv2d_direct_fn: AVX-512 blocks of 48, 32 and
// 16 positions; AVX2 blocks of 24, 16 and 8 in passes of 4 channels): NCHW stride 2 gives one
// call per output row of OW positions, every OW from 1 to 50, with 1 to 13 output channels
// (a block of 8 whole, short, and a second pass of 1 to 4), bias and ReLU in registers, and a
// residual with SiLU (the epilogue after the kernel).
TEST(direct_kernel_tails) {
  for (int64_t w = 1; w <= 99; w += 2) {
    for (int64_t cout : {1, 3, 4, 5, 8, 13}) {
      const shape s{1, 2, 5, w, cout, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, false, true, w % 4 == 1};
      check_conv(s);
      const convkit::conv_path path = check_fused(s, convkit::activation::silu, true);
      if (convkit::get_conv2d_config().direct != nullptr) {
        CHECK(path == convkit::conv_path::direct, "%s: path %s", describe(s).c_str(), convkit::path_name(path));
      }
    }
  }
}

TEST(fused_epilogue_every_path) {
  const bool avx512 = convkit::active_isa() == convkit::isa::avx512;
  const int saved = convkit::get_num_threads();
  for (int threads : {1, saved}) {
    convkit::set_num_threads(threads);
    fused_cases(avx512);
  }
  convkit::set_num_threads(saved);
  // Winograd at every level (the portable transforms), with the multi-pass NCHW path.
  const forced_algo force(convkit::conv_algo::winograd);
  int64_t& pass_floats = convkit::mutable_winograd_config().pass_floats;
  const int64_t saved_pass = pass_floats;
  for (int64_t pf : {saved_pass, int64_t{1000}}) {
    pass_floats = pf;
    for (const convkit::activation act : kActivations) {
      for (bool nhwc : {false, true}) {
        shape s{3, 20, 9, 12, 35, 3, 3, 1, 1, 1, 0, 2, 1, 1, 1, 1, nhwc, true};
        CHECK(check_fused(s, act, true) == convkit::conv_path::winograd, "not winograd");
        CHECK(check_fused(s, act, false) == convkit::conv_path::winograd, "not winograd");
      }
    }
  }
  pass_floats = saved_pass;
}

// The activations at their edges through the epilogue: large |v| (sigmoid's e^-|v| far
// below FLT_MIN: 0 or 1 exactly, silu -> 0 / v), +-Inf and NaN kept as the reference has
// them, and relu6 / hardSwish corners.
TEST(fused_epilogue_specials) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  const float vals[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 0.5f, -0.5f, 3.0f, -3.0f, 6.0f, -6.0f, 20.0f, -20.0f,
                        87.0f, -87.0f, 103.0f, -103.0f, 110.0f, -110.0f, 1e30f, -1e30f, inf, -inf, nan};
  const int n = sizeof vals / sizeof vals[0];
  // 1x1 conv of a 1-channel image with w = 1 and no bias: y = act(x + r) with r = 0.
  shape s{1, 1, 1, n, 1, 1, 1};
  for (const convkit::activation act : kActivations) {
    conv2d_params p = test::conv_params(s);
    p.act = act;
    std::vector<float> x(vals, vals + n), zero(n, 0.0f), y(n), want(n);
    const float one = 1.0f;
    convkit::conv2d(p, x.data(), &one, nullptr, y.data(), zero.data());
    convkit::conv2d_ref(p, x.data(), &one, nullptr, want.data(), zero.data());
    for (int i = 0; i < n; ++i) {
      const bool same = y[i] == want[i] || (std::isnan(y[i]) && std::isnan(want[i])) ||
                        std::fabs(static_cast<double>(y[i]) - want[i]) <= 2e-6 * std::fabs(want[i]) + 1e-37;
      if (!same) std::printf("  act %s at %g: got %.9g want %.9g\n", kActNames[static_cast<int>(act)], vals[i], y[i], want[i]);
      CHECK(same, "act %d", static_cast<int>(act));
    }
  }
}
