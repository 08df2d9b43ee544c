// Conv test shapes shared by conv2d-test.cc and conv2d-backward-test.cc: the shape and its
// params, output size by the core's formula floor((in + pb + pa - d*(k-1) - 1)/s) + 1.
#pragma once
#include <cstdint>
#include <vector>

#include "convkit/conv2d.h"
#include "harness.h"

namespace test {

// The core's own rule (conv2d-check.cc), which the glue validates with too.
inline int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pa, int64_t d) {
  return convkit::conv2d_out_size(in, k, s, pb, pa, d);
}

struct conv_shape {
  int64_t n, cin, h, w, cout, kh, kw, sh = 1, sw = 1, pt = 0, pb = 0, pl = 0, pr = 0, dh = 1, dw = 1, g = 1;
  bool nhwc = false, bias = false, relu = false;
};

inline convkit::conv2d_params conv_params(const conv_shape& s) {
  convkit::conv2d_params p{s.n, s.cin, s.h, s.w, s.cout, 0, 0, s.kh, s.kw, s.sh, s.sw, s.pt, s.pb, s.pl, s.pr,
                           s.dh, s.dw, s.g, s.nhwc ? convkit::layout::nhwc : convkit::layout::nchw, s.bias,
                           s.relu ? convkit::activation::relu : convkit::activation::none};
  p.out_height = out_size(s.h, s.kh, s.sh, s.pt, s.pb, s.dh);
  p.out_width = out_size(s.w, s.kw, s.sw, s.pl, s.pr, s.dw);
  return p;
}

// Padding, stride or dilation up to 2^31 - 1 on tiny images, one shape per conv path (the
// padded copy's size overflowed int64, or took gigabytes for a 1x1 output).
inline std::vector<conv_shape> absurd_geometry_shapes() {
  const int64_t B = (int64_t{1} << 31) - 1;
  return {
      {1, 1, 2, 2, 1, 3, 3, 1, 1, B, B, B, B, B, B},
      {2, 32, 2, 3, 8, 3, 3, 1, 1, B, B, 1, 1, B, 1, 1, false, true},  // implicit GEMM
      {2, 32, 2, 3, 32, 3, 3, 1, 1, B, B, 1, 1, B, 1, 32},              // depthwise
      {2, 32, 2, 3, 8, 3, 3, 1, 1, B, B, 1, 1, B, 1, 4},                // grouped
      {2, 2, 3, 2, 8, 3, 3, 1, 1, 1, 1, B, B, 1, B},                    // direct
      {2, 3, 9, 9, 4, 3, 3, int64_t{1} << 26, int64_t{1} << 26},
      {2, 3, 9, 9, 4, 3, 3, B, B, B / 2, B / 2, 0, B / 2},
  };
}

// Runs check(s) with s in NCHW, then in NHWC.
template <class Check>
void in_both_layouts(conv_shape s, Check check) {
  s.nhwc = false;
  check(s);
  s.nhwc = true;
  check(s);
}

// A random batch in [1, max_n] and channels of a random kind in [0, max_kind]: 0, 1 plain;
// 2 grouped; 3 depthwise (4 and up: plain, left to the caller). Returns the kind.
inline int random_channels(conv_shape& s, int max_n, int max_kind) {
  s.n = rand_int(1, max_n);
  const int kind = rand_int(0, max_kind);
  if (kind == 3) {
    s.cin = s.g = rand_int(2, 20);
    s.cout = s.cin * rand_int(1, 3);
  } else {
    s.g = kind == 2 ? rand_int(2, 4) : 1;
    s.cin = s.g * rand_int(1, 9);
    s.cout = s.g * rand_int(1, 7);
  }
  return kind;
}

// Edge geometries that the forward and the backward tests both run as they are.
inline std::vector<conv_shape> edge_shapes() {
  return {
      {1, 8, 9, 9, 4, 1, 1, 2, 2},                        // 1x1 strided
      {1, 8, 5, 6, 4, 1, 1, 1, 1, 1, 0, 0, 1},            // 1x1 padded
      {1, 2, 5, 4, 3, 4, 3, 1, 1, 3, 3, 2, 2},            // full padding
      {1, 3, 15, 14, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2},    // dilation
      {2, 4, 12, 17, 5, 3, 2, 2, 1, 1, 0, 3, 1, 2, 3},    // dilation, stride, asymmetric padding
      {2, 3, 13, 7, 4, 13, 7},                            // kernel equals input
  };
}

}  // namespace test
