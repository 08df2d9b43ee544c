// Pool test shapes shared by pool2d-test.cc and pool2d-backward-test.cc: the shape, its
// params (output size by PyTorch's rule, as the core states it), a description for failures, and a random draw.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "convkit/pool2d.h"
#include "harness.h"

namespace test {

// The core's own rule (pool2d-check.cc), which the glue validates with too.
inline int64_t pool_out(int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pa, int64_t d, bool ceil_mode) {
  return convkit::pool2d_out_size(in, k, s, pb, pa, d, ceil_mode);
}

struct pool_shape {
  int64_t n, c, h, w, kh, kw, sh, sw, pt = 0, pb = 0, pl = 0, pr = 0, dh = 1, dw = 1;
  bool ceil_mode = false, cip = false, nhwc = false;
};

// Dilation and count_include_pad apply to the kind they belong to (max / avg) only.
inline convkit::pool2d_params pool_params(const pool_shape& s, bool is_max) {
  convkit::pool2d_params p{s.n, s.c, s.h, s.w, 0, 0, s.kh, s.kw, s.sh, s.sw, s.pt, s.pb, s.pl, s.pr,
                           is_max ? s.dh : 1, is_max ? s.dw : 1, s.cip && !is_max,
                           s.nhwc ? convkit::layout::nhwc : convkit::layout::nchw};
  p.out_height = pool_out(s.h, s.kh, s.sh, s.pt, s.pb, p.dilation_h, s.ceil_mode);
  p.out_width = pool_out(s.w, s.kw, s.sw, s.pl, s.pr, p.dilation_w, s.ceil_mode);
  return p;
}

inline std::string describe(const pool_shape& s, const convkit::pool2d_params& p, bool is_max) {
  char what[200];
  std::snprintf(what, sizeof what, "%s N%ld C%ld %ldx%ld k%ldx%ld s%ldx%ld p%ld,%ld,%ld,%ld d%ldx%ld%s%s %s",
                is_max ? "max" : "avg", (long)s.n, (long)s.c, (long)s.h, (long)s.w, (long)s.kh, (long)s.kw,
                (long)s.sh, (long)s.sw, (long)s.pt, (long)s.pb, (long)s.pl, (long)s.pr, (long)p.dilation_h,
                (long)p.dilation_w, s.ceil_mode ? " ceil" : "", p.count_include_pad ? " cip" : "", s.nhwc ? "nhwc" : "nchw");
  return what;
}

// Padding at most half the kernel; asymmetric padding only without ceil mode (PyTorch's rule).
inline pool_shape random_pool_shape(int64_t max_channels) {
  pool_shape s{};
  s.n = rand_int(1, 3);
  s.c = rand_int(1, max_channels);
  s.h = rand_int(1, 14);
  s.w = rand_int(1, 14);
  s.kh = rand_int(1, 5);
  s.kw = rand_int(1, 5);
  s.sh = rand_int(1, 4);
  s.sw = rand_int(1, 4);
  s.ceil_mode = rand_int(0, 1);
  s.pt = rand_int(0, s.kh / 2);
  s.pl = rand_int(0, s.kw / 2);
  s.pb = s.ceil_mode ? s.pt : rand_int(0, s.kh / 2);
  s.pr = s.ceil_mode ? s.pl : rand_int(0, s.kw / 2);
  s.dh = rand_int(1, 2);
  s.dw = rand_int(1, 2);
  s.nhwc = rand_int(0, 1);
  s.cip = rand_int(0, 1);
  return s;
}

// Shapes the forward and the backward tests both run through every variant of their file:
// ceil mode (the first with a last window starting in the padding), asymmetric padding, and
// max dilation (floor and ceil mode).
inline std::vector<pool_shape> ceil_mode_shapes() {
  pool_shape s{1, 3, 5, 5, 2, 2, 3, 3, 1, 1, 1, 1};
  s.ceil_mode = true;
  pool_shape t{1, 4, 10, 11, 3, 3, 3, 3};
  t.ceil_mode = true;
  return {s, t};
}
inline pool_shape asymmetric_padding_shape() { return {2, 2, 9, 7, 4, 3, 2, 1, 2, 1, 0, 1}; }
inline std::vector<pool_shape> max_dilation_shapes() {
  pool_shape s{1, 4, 13, 12, 3, 2, 1, 2, 1, 1, 1, 1, 2, 3};
  pool_shape t = s;
  t.ceil_mode = true;
  t.sh = 2;
  return {s, t};
}

// f(s, p) for each shape in both layouts, with and without count_include_pad (avg params).
template <class F>
void for_avg_variants(std::initializer_list<pool_shape> shapes, F f) {
  for (const pool_shape& s0 : shapes) {
    for (int v = 0; v < 4; ++v) {
      pool_shape s = s0;
      s.nhwc = v & 1;
      s.cip = v & 2;
      f(s, pool_params(s, false));
    }
  }
}

}  // namespace test
