// conv2d_backward_data / conv2d_backward_filter (every fast path: im2col/col2im tiles + GEMM,
// 1x1 direct GEMM, depthwise direct kernels; images across threads or one at a time; dw
// partials per thread) against their references on explicit edge shapes and many random
// ones, both layouts, with guard-page buffers.
#include <cmath>

#include "configs/conv2d-config.h"
#include "configs/winograd-config.h"
#include "convkit/conv2d.h"
#include "convkit/last-path.h"
#include "convkit/parallel.h"
#include "conv-shapes.h"
#include "harness.h"

using convkit::conv2d_params;
using shape = test::conv_shape;
using test::out_size;

namespace {

std::string describe(const shape& s, const char* what) {
  char buf[320];
  std::snprintf(buf, sizeof buf,
                "%s N%ld Cin%ld %ldx%ld Cout%ld k%ldx%ld s%ldx%ld p%ld,%ld,%ld,%ld d%ldx%ld g%ld %s", what,
                (long)s.n, (long)s.cin, (long)s.h, (long)s.w, (long)s.cout, (long)s.kh, (long)s.kw,
                (long)s.sh, (long)s.sw, (long)s.pt, (long)s.pb, (long)s.pl, (long)s.pr, (long)s.dh,
                (long)s.dw, (long)s.g, s.nhwc ? "nhwc" : "nchw");
  return buf;
}

std::vector<float> abs_of(std::vector<float> v) {
  for (auto& x : v) x = std::fabs(x);
  return v;
}

void check_backward(const shape& s) {
  // has_bias and relu set on purpose: the backward kernels must ignore them.
  conv2d_params p = test::conv_params(s);
  p.has_bias = true;
  p.act = convkit::activation::relu;
  if (p.out_height < 1 || p.out_width < 1) return;
  const size_t nx = s.n * s.cin * s.h * s.w, nw = s.cout * (s.cin / s.g) * s.kh * s.kw;
  const size_t ny = s.n * s.cout * p.out_height * p.out_width;
  const auto xv = test::rand_vec(nx), wv = test::rand_vec(nw), dyv = test::rand_vec(ny);
  test::guarded x(nx), w(nw), dy(ny), dx(nx), dw(nw), db(s.cout);
  x.copy_from(xv);
  w.copy_from(wv);
  dy.copy_from(dyv);
  for (size_t i = 0; i < nx; ++i) dx[i] = NAN;  // every element must be written
  for (size_t i = 0; i < nw; ++i) dw[i] = NAN;
  for (int64_t i = 0; i < s.cout; ++i) db[i] = NAN;

  // dx: K = Cout_g*KH*KW terms per element; bound = the same on |dy|, |w|.
  std::vector<float> want(nx), bound(nx);
  convkit::conv2d_backward_data_ref(p, dyv.data(), wv.data(), want.data());
  convkit::conv2d_backward_data_ref(p, abs_of(dyv).data(), abs_of(wv).data(), bound.data());
  convkit::conv2d_backward_data(p, dy.data(), w.data(), dx.data());
  test::close(describe(s, "dx").c_str(), dx.data(), want.data(), bound.data(), nx,
              (s.cout / s.g) * s.kh * s.kw);

  // dw, db: K = N*OH*OW terms per element.
  std::vector<float> want_w(nw), bound_w(nw), want_b(s.cout), bound_b(s.cout);
  convkit::conv2d_backward_filter_ref(p, dyv.data(), xv.data(), want_w.data(), want_b.data());
  convkit::conv2d_backward_filter_ref(p, abs_of(dyv).data(), abs_of(xv).data(), bound_w.data(), bound_b.data());
  const double k = static_cast<double>(s.n * p.out_height * p.out_width);
  const bool with_db = test::rand_int(0, 3) != 0;
  convkit::conv2d_backward_filter(p, dy.data(), x.data(), dw.data(), with_db ? db.data() : nullptr);
  test::close(describe(s, "dw").c_str(), dw.data(), want_w.data(), bound_w.data(), nw, k);
  if (with_db) {
    test::close(describe(s, "db").c_str(), db.data(), want_b.data(), bound_b.data(), s.cout, k);
  } else {
    for (int64_t i = 0; i < s.cout; ++i) CHECK(std::isnan(db[i]), "db written although nullptr was passed");
  }
}

void both_layouts(const shape& s) { test::in_both_layouts(s, check_backward); }

}  // namespace

TEST(basic_3x3_same) { both_layouts({1, 3, 7, 13, 5, 3, 3, 1, 1, 1, 1, 1, 1}); }
TEST(pointwise_1x1) {
  both_layouts({2, 17, 9, 11, 33, 1, 1});
  both_layouts({3, 16, 5, 5, 8, 1, 1});
  both_layouts({2, 12, 6, 7, 9, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 3});  // grouped 1x1
  both_layouts({8, 24, 10, 10, 40, 1, 1});                            // items across threads
}
TEST(edge_geometry) {
  for (const shape& s : test::edge_shapes()) both_layouts(s);
}
TEST(stride_gt_kernel) { both_layouts({2, 5, 13, 11, 7, 2, 2, 3, 4}); }
TEST(asymmetric_padding) { both_layouts({1, 4, 8, 9, 6, 3, 2, 1, 2, 0, 2, 3, 1}); }
TEST(groups) {
  both_layouts({2, 6, 9, 8, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3});
  both_layouts({1, 10, 7, 7, 20, 5, 5, 2, 2, 2, 2, 2, 2, 1, 1, 5});
  both_layouts({3, 8, 6, 10, 4, 2, 3, 1, 2, 1, 0, 0, 1, 1, 1, 4});
  both_layouts({5, 12, 11, 9, 18, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2});  // images across threads
}
TEST(depthwise) {
  for (int64_t mult = 1; mult <= 3; ++mult) {
    both_layouts({2, 5, 11, 13, 5 * mult, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 5});
    both_layouts({1, 17, 12, 9, 17 * mult, 3, 3, 2, 2, 1, 0, 1, 0, 1, 1, 17});
    both_layouts({1, 4, 14, 15, 4 * mult, 5, 3, 1, 3, 2, 2, 1, 1, 2, 1, 4});
    both_layouts({3, 33, 23, 21, 33 * mult, 3, 3, 2, 1, 1, 1, 1, 1, 1, 2, 33});
  }
}
TEST(single_channel_image) { both_layouts({2, 1, 16, 16, 3, 5, 5, 1, 1, 2, 2, 2, 2}); }
TEST(one_by_one_image) { both_layouts({3, 5, 1, 1, 4, 1, 1}); }
TEST(several_col_tiles) {
  // Kd = 576: col tiles of ~910 positions, so a 40x40 image has two (dx tiles run in order
  // on overlapping dx rows; dw tiles add up).
  both_layouts({1, 64, 40, 40, 32, 3, 3, 1, 1, 1, 1, 1, 1});
  both_layouts({4, 64, 33, 35, 16, 3, 3, 1, 1, 1, 1, 1, 1});
  both_layouts({2, 3, 64, 64, 16, 7, 7, 2, 2, 3, 3, 3, 3});
  both_layouts({1, 128, 29, 31, 24, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2});
}
TEST(dx_as_forward_and_packed_dw) {
  // >= 2048 input positions over the batch, stride 1: dx runs as a forward convolution with
  // flipped weights (asymmetric / zero / full padding, dilation, groups); Cin_g a multiple of
  // 32 takes the in-place dw kernel on AVX-512.
  both_layouts({8, 6, 20, 17, 9, 3, 2, 1, 1, 1, 0, 0, 1, 2, 1, 3});
  both_layouts({3, 5, 31, 29, 7, 4, 3, 1, 1, 0, 3, 2, 0});
  both_layouts({2, 4, 40, 33, 6, 5, 5, 1, 1, 4, 4, 4, 4});
  both_layouts({2, 64, 36, 30, 40, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2});
  both_layouts({1, 96, 48, 45, 19, 3, 3, 1, 1, 2, 1, 2, 0, 2, 1});
  both_layouts({3, 32, 30, 30, 64, 5, 3, 1, 1, 0, 0, 1, 1});
}
// The direct dw (stride-1 NCHW, Cin/group < 32, Cout/group <= 64, where the config has it):
// LeNet-5's layers, rows longer than a tile of positions, the channel limits, groups.
TEST(dw_direct_shapes) {
  both_layouts({64, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 2, 2});
  both_layouts({5, 6, 14, 14, 16, 5, 5});
  both_layouts({1, 3, 5, 700, 5, 3, 3, 1, 1, 1, 1, 1, 1});
  both_layouts({2, 31, 9, 10, 64, 3, 3, 1, 1, 1, 1, 1, 1});
  both_layouts({3, 10, 8, 12, 14, 7, 7, 1, 1, 3, 2, 1, 3, 1, 1, 2});
  // Many groups: dw over the direct path's 1M-weight limit (packed path), and just under it.
  both_layouts({1, 1200, 3, 3, 38400, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 600});
  both_layouts({1, 1000, 3, 3, 20000, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 500});
}

// dw by Winograd F(2x2, 3x3) (3x3, stride 1, groups 1): forced with the algorithm switch
// (small channel counts, at every level, with the portable transforms at scalar), at 1, 2
// and 3 threads (tile ranges split inside images and across them): odd output sizes (a
// ragged last tile row / column), padding 0, 2 and asymmetric, a 1x1 image, channels not a
// multiple of the micro-kernel's MR / NR, chunks of tiles over several images. Then the
// automatic choice on a ResNet-like layer (where the config prefers Winograd).
TEST(dw_winograd) {
  auto path_after = [](const shape& s) {
    (void)convkit::take_last_conv_dw_path();
    check_backward(s);
    return convkit::take_last_conv_dw_path();
  };
  const convkit::conv_algo saved_algo = convkit::get_conv2d_config().algo;
  const int saved = convkit::get_num_threads();
  convkit::mutable_conv2d_config().algo = convkit::conv_algo::winograd;
  for (int threads : {1, 2, 3}) {
    convkit::set_num_threads(threads);
    for (bool nhwc : {false, true}) {
      const shape cases[] = {
          {1, 3, 7, 13, 5, 3, 3, 1, 1, 1, 1, 1, 1},
          {2, 5, 9, 11, 7, 3, 3},
          {3, 20, 9, 12, 35, 3, 3, 1, 1, 1, 0, 2, 1},
          {1, 40, 1, 1, 9, 3, 3, 1, 1, 1, 1, 1, 1},
          {2, 33, 17, 15, 70, 3, 3, 1, 1, 2, 2, 2, 2},
          {5, 24, 30, 29, 40, 3, 3, 1, 1, 0, 1, 1, 0},
      };
      for (shape s : cases) {
        s.nhwc = nhwc;
        const convkit::conv_backward_path got = path_after(s);
        CHECK(got == convkit::conv_backward_path::winograd, "%s: dw path %s", describe(s, "dw").c_str(),
              convkit::path_name(got));
      }
    }
  }
  convkit::mutable_conv2d_config().algo = saved_algo;
  convkit::set_num_threads(saved);
  for (bool nhwc : {false, true}) {
    shape s{4, 64, 14, 14, 32, 3, 3, 1, 1, 1, 1, 1, 1};
    s.nhwc = nhwc;
    const convkit::conv_backward_path got = path_after(s);
    const bool want = convkit::get_winograd_config().preferred;
    CHECK((got == convkit::conv_backward_path::winograd) == want, "%s: dw path %s", describe(s, "dw").c_str(),
          convkit::path_name(got));
  }
}

// An Inf or NaN in x or dy: the transforms would spread it over every tap of every filter that
// reads the tile, so the Winograd dw hands the call to the path the dispatch takes without it,
// whose Inf and NaN come out as they do there (bit for bit, NaN for NaN).
TEST(dw_winograd_nonfinite) {
  const convkit::conv_algo saved_algo = convkit::get_conv2d_config().algo;
  for (bool nhwc : {false, true}) {
    for (int which = 0; which < 3; ++which) {
      const shape s{2, 6, 8, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, nhwc};
      const conv2d_params p = test::conv_params(s);
      const size_t nx = s.n * s.cin * s.h * s.w, nw = s.cout * s.cin * 9, ny = s.n * s.cout * p.out_height * p.out_width;
      auto xv = test::rand_vec(nx), dyv = test::rand_vec(ny);
      if (which == 0) xv[nx / 3] = INFINITY;
      if (which == 1) dyv[ny / 2] = NAN;
      if (which == 2) xv[5] = -INFINITY, dyv[7] = INFINITY;
      std::vector<float> dw(nw), want(nw);
      convkit::mutable_conv2d_config().algo = convkit::conv_algo::igemm;  // no Winograd
      convkit::conv2d_backward_filter(p, dyv.data(), xv.data(), want.data(), nullptr);
      convkit::mutable_conv2d_config().algo = convkit::conv_algo::winograd;
      (void)convkit::take_last_conv_dw_path();
      convkit::conv2d_backward_filter(p, dyv.data(), xv.data(), dw.data(), nullptr);
      const convkit::conv_backward_path got = convkit::take_last_conv_dw_path();
      CHECK(got != convkit::conv_backward_path::winograd, "case %d: dw path %s", which, convkit::path_name(got));
      int nonfinite = 0;
      for (size_t i = 0; i < nw; ++i) {
        nonfinite += !std::isfinite(want[i]);
        const bool same = std::isnan(want[i]) ? std::isnan(dw[i]) : dw[i] == want[i];
        CHECK(same, "case %d %s: dw[%zu] %g, want %g", which, nhwc ? "nhwc" : "nchw", i, dw[i], want[i]);
        if (!same) break;
      }
      CHECK(nonfinite > 0, "case %d: no Inf or NaN reached dw", which);
    }
  }
  convkit::mutable_conv2d_config().algo = saved_algo;
}

TEST(single_thread) {
  const int saved = convkit::get_num_threads();
  convkit::set_num_threads(1);
  both_layouts({2, 12, 15, 14, 10, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2});
  both_layouts({1, 6, 10, 10, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 6});
  both_layouts({4, 16, 12, 12, 8, 1, 1});
  both_layouts({1, 64, 40, 40, 32, 3, 3, 1, 1, 1, 1, 1, 1});
  both_layouts({4, 32, 30, 30, 16, 3, 3, 1, 1, 1, 1, 1, 1});
  convkit::set_num_threads(saved);
}
TEST(random_shapes) {
  for (int i = 0; i < 250; ++i) {
    shape s{};
    const int kind = test::random_channels(s, 4, 4);  // 0,1 plain; 2 grouped; 3 depthwise; 4 pointwise
    s.h = test::rand_int(1, 15);
    s.w = test::rand_int(1, 15);
    s.kh = kind == 4 ? 1 : test::rand_int(1, 5);
    s.kw = kind == 4 ? 1 : test::rand_int(1, 5);
    const bool plain = kind == 4 && test::rand_int(0, 1);
    s.sh = plain ? 1 : test::rand_int(1, 4);
    s.sw = plain ? 1 : test::rand_int(1, 4);
    s.dh = test::rand_int(1, 3) == 3 ? 2 : 1;
    s.dw = test::rand_int(1, 3) == 3 ? 3 : 1;
    if (!plain) {
      s.pt = test::rand_int(0, 3);
      s.pb = test::rand_int(0, 3);
      s.pl = test::rand_int(0, 3);
      s.pr = test::rand_int(0, 3);
    }
    s.nhwc = test::rand_int(0, 1);
    check_backward(s);
  }
}

// Padding, stride or dilation up to 2^31 - 1 on tiny images (the padded copy's size
// overflowed int64, or took gigabytes for a 1x1 output): the reference loops run instead, and
// guard pages catch any write outside the output.
TEST(absurd_padding_stride_dilation) {
  for (const shape& s : test::absurd_geometry_shapes()) both_layouts(s);
}

int main() { return test::run_all("conv2d-backward-test"); }
