// conv2d_bf16 against conv2d_ref on the bf16-rounded operands (the exact semantics up to the
// order of the sums): pointwise, 3x3 padded, strided, 7x7 Cin 3, dilated, grouped (the
// emulated path), both layouts, with bias, residual and relu, at 1 and 2 threads (the tiled
// path's tiles of positions and chunks of channels); and a check that the rounding really
// happens (a bf16 result differs from the fp32 conv of the unrounded operands).
#include <cmath>
#include <cstring>

#include "configs/conv2d-config.h"
#include "conv-shapes.h"
#include "convkit/conv2d.h"
#include "convkit/parallel.h"
#include "convkit/sbgemm.h"
#include "harness.h"

using convkit::conv2d_params;
using shape = test::conv_shape;

namespace {

std::vector<float> rounded(std::vector<float> v) {
  for (float& x : v) x = convkit::bf16_round(x);
  return v;
}

void check(shape s, bool residual) {
  const conv2d_params p = test::conv_params(s);
  const size_t nx = conv2d_x_size(p), nw = conv2d_w_size(p), ny = conv2d_y_size(p);
  const auto xv = test::rand_vec(nx), wv = test::rand_vec(nw), bv = test::rand_vec(s.cout), rv = test::rand_vec(ny);
  test::guarded x(nx), w(nw), y(ny);
  x.copy_from(xv);
  w.copy_from(wv);
  const float* r = residual ? rv.data() : nullptr;
  convkit::conv2d_bf16(p, x.data(), w.data(), bv.data(), y.data(), r);
  std::vector<float> want(ny), bound(ny);
  const auto xr = rounded(xv), wr = rounded(wv);
  conv2d_params pa = p;  // |x||w| + |b| + |r|, no activation: the error bound
  pa.act = convkit::activation::none;
  std::vector<float> xa(xr), wa(wr), ba(bv), ra(rv);
  for (auto* v : {&xa, &wa, &ba, &ra}) for (float& e : *v) e = std::fabs(e);
  convkit::conv2d_ref(p, xr.data(), wr.data(), bv.data(), want.data(), r);
  convkit::conv2d_ref(pa, xa.data(), wa.data(), ba.data(), bound.data(), residual ? ra.data() : nullptr);
  char name[200];
  std::snprintf(name, sizeof name, "conv2d_bf16 N%ld Cin%ld %ldx%ld Cout%ld k%ldx%ld s%ld p%ld g%ld %s%s", (long)s.n, (long)s.cin,
                (long)s.h, (long)s.w, (long)s.cout, (long)s.kh, (long)s.kw, (long)s.sh, (long)s.pt, (long)s.g,
                s.nhwc ? "nhwc" : "nchw", residual ? " residual" : "");
  test::close(name, y.data(), want.data(), bound.data(), ny, static_cast<double>(nw / s.cout) + 2);
}

}  // namespace

TEST(conv2d_bf16_matches_rounded_reference) {
  std::printf("  conv2d_bf16 runs %s\n", convkit::sbgemm_native() ? "on the bf16 GEMM" : "emulated");
  for (int threads : {1, 2}) for (bool nhwc : {false, true}) {
    convkit::set_num_threads(threads);
    shape list[] = {
        {2, 64, 7, 9, 40, 1, 1},                                     // pointwise
        {1, 19, 11, 13, 33, 3, 3, 1, 1, 1, 1, 1, 1},                  // 3x3 pad 1
        {2, 16, 12, 10, 24, 3, 3, 2, 2, 1, 0, 1, 0},                  // stride 2, asymmetric pad
        {1, 3, 30, 30, 16, 7, 7, 2, 2, 3, 3, 3, 3},                   // stem: 7x7 s2, Cin 3
        {1, 8, 9, 9, 8, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},                // dilation 2
        {1, 32, 6, 6, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4},            // groups 4 (emulated)
        {1, 40, 5, 5, 48, 1, 1, 2, 2},                                // 1x1 stride 2
        {3, 24, 15, 13, 40, 3, 3, 2, 2, 1, 1, 1, 1},                  // 3x3 s2 (NHWC: tiled), ragged panels
        {1, 32, 7, 7, 72, 3, 3, 2, 2, 1, 1, 1, 1},                    // 4x4 output: chunks of channels at 2T
        {2, 32, 9, 11, 40, 3, 3, 1, 1, 1, 1, 1, 1},                   // stride 1, even Cin: pairs im2col (NHWC)
        {1, 48, 7, 7, 64, 3, 3, 1, 1, 1, 1, 1, 1},                    // 49 positions: a partial row tile
        {1, 16, 10, 9, 24, 5, 5, 1, 1, 3, 1, 2, 2, 2, 1},              // 5x5, dilation 2x1, asymmetric pad
    };
    for (shape s : list) {
      s.nhwc = nhwc;
      s.bias = true;
      s.relu = true;
      check(s, false);
      check(s, true);
    }
  }
  convkit::set_num_threads(1);
}

TEST(conv2d_bf16_rounds) {
  const shape s{1, 1, 1, 1, 1, 1, 1};
  const conv2d_params p = test::conv_params(s);
  const float x = 1.0f + 1.0f / 1024, w = 3.0f;
  float y = 0.0f;
  convkit::conv2d_bf16(p, &x, &w, nullptr, &y);
  CHECK(y == 3.0f, "got %.9g", y);
}

TEST(conv2d_bf16_prepacked_is_bit_exact) {
  for (bool nhwc : {false, true}) {
    for (shape s : {shape{2, 64, 7, 9, 40, 1, 1}, shape{1, 40, 9, 11, 48, 1, 1, 2, 2}, shape{1, 19, 11, 13, 33, 3, 3, 1, 1, 1, 1, 1, 1},
                    shape{2, 24, 9, 11, 40, 3, 3, 2, 2, 1, 1, 1, 1}, shape{1, 32, 9, 9, 40, 3, 3, 1, 1, 1, 1, 1, 1}}) {
      s.nhwc = nhwc;
      s.bias = true;
      const conv2d_params p = test::conv_params(s);
      const size_t nx = conv2d_x_size(p), nw = conv2d_w_size(p), ny = conv2d_y_size(p);
      const auto x = test::rand_vec(nx), w = test::rand_vec(nw), b = test::rand_vec(s.cout);
      std::vector<float> packed(static_cast<size_t>(convkit::conv2d_bf16_packed_size(p))), y0(ny), y1(ny);
      // Panels where the tiled path or the NHWC pointwise GEMM takes the weights as B
      // (conv2d-bf16.cc): not NCHW pointwise (A operand), not NCHW k x k nor NHWC stride-1
      // k x k of an odd channel count (fp32 paths).
      const bool pointwise = s.kh == 1 && s.sh == 1, strided = s.sh > 1;
      const bool want_panels = convkit::sbgemm_native() &&
                               (s.kh == 1 ? nhwc || !pointwise : nhwc && (strided || s.cin % 2 == 0) && s.cin >= 16);
      CHECK((packed.size() > 0) == want_panels, "packed size %zu for nhwc %d k%ld", packed.size(), (int)nhwc, (long)s.kh);
      convkit::conv2d_bf16_prepack(p, w.data(), packed.data());
      convkit::conv2d_bf16(p, x.data(), w.data(), b.data(), y0.data());
      convkit::conv2d_bf16_packed(p, x.data(), w.data(), packed.empty() ? nullptr : packed.data(), b.data(), y1.data());
      CHECK(std::memcmp(y0.data(), y1.data(), ny * 4) == 0, "prepacked differs (nhwc %d k%ld)", (int)nhwc, (long)s.kh);
    }
  }
}

// The epilogue the bf16 GEMM finishes its tiles with in registers (NHWC pointwise and tiled)
// gives the bits of the plain product followed by the conv config's epilogue pass, for every
// activation: full and edge tiles (Cout 40 = 32 + 8, positions not a multiple of 8), several
// k blocks (Cin 900), the tiled strided 3x3, at 1 and 2 threads.
TEST(conv2d_bf16_fused_epilogue_is_bit_exact) {
  using convkit::activation;
  // Emulated, conv2d_bf16 is the fp32 conv2d of the rounded operands, whose own kernels finish
  // their outputs (conv2d-test checks them); the fused GEMM epilogue exists only natively.
  if (!convkit::sbgemm_native()) {
    std::printf("  no bf16 GEMM at this level: the fused epilogue is not used\n");
    return;
  }
  for (int threads : {1, 2}) {
    convkit::set_num_threads(threads);
    for (shape s : {shape{3, 48, 7, 9, 40, 1, 1}, shape{1, 900, 5, 7, 72, 1, 1}, shape{2, 24, 9, 11, 40, 3, 3, 2, 2, 1, 1, 1, 1},
                    shape{1, 64, 6, 7, 40, 3, 3, 1, 1, 1, 1, 1, 1}}) {
      for (activation act : {activation::none, activation::relu, activation::relu6, activation::sigmoid, activation::silu,
                             activation::hard_swish}) {
        for (bool residual : {false, true}) {
          s.nhwc = true;
          conv2d_params plain = test::conv_params(s);
          conv2d_params p = plain;
          p.has_bias = true;
          p.act = act;
          const size_t nx = conv2d_x_size(p), nw = conv2d_w_size(p), ny = conv2d_y_size(p);
          const auto x = test::rand_vec(nx), w = test::rand_vec(nw), b = test::rand_vec(s.cout), r = test::rand_vec(ny);
          std::vector<float> fused(ny), want(ny);
          convkit::conv2d_bf16(p, x.data(), w.data(), b.data(), fused.data(), residual ? r.data() : nullptr);
          convkit::conv2d_bf16(plain, x.data(), w.data(), nullptr, want.data());
          const int64_t rows = ny / s.cout;
          convkit::get_conv2d_config().epilogue_rows(want.data(), rows, s.cout, s.cout, b.data(), false,
                                                     residual ? r.data() : nullptr, act);
          CHECK(std::memcmp(fused.data(), want.data(), ny * 4) == 0, "fused epilogue differs: Cin %ld k%ld act %d residual %d threads %d",
                (long)s.cin, (long)s.kh, static_cast<int>(act), (int)residual, threads);
        }
      }
    }
  }
  convkit::set_num_threads(1);
}

int main() { return test::run_all("conv2d-bf16-test"); }
