// The zero-padded copy of one image (one group's channels) that the direct kernels and the
// implicit GEMM read instead of im2col, and the tap table that indexes it. Along W the copy
// is split into stride_w phases, so that consecutive output columns read consecutive floats:
//   xp [Cin_g, Hp, S, Wq]: padded column c = iw + pad_left lives at phase c % S, index c / S.
// Hp = pad_top + H + pad_bottom, Wp = pad_left + W + pad_right, S = stride_w, Wq = ceil(Wp / S).
// Output (oh, ow) under tap k reads xp[tap[k] + oh*stride_h*rowlen + ow]. Internal to
// native/src/conv2d.
#pragma once
#include <cstdint>
#include <vector>

#include "convkit/conv2d.h"
#include "util/workspace.h"

namespace convkit {

// The calling thread's buffers for one forward call, read by every worker: the padded images
// and the packed weights. Shared by the forward paths (direct, implicit GEMM), which never
// nest inside each other.
workspace& padded_images_space();
workspace& packed_weights_space();

struct padded_input {
  int64_t hp, wq, rowlen, plane;  // rowlen = S*Wq, plane = Hp*rowlen rounded up to 16 floats
};

padded_input padded_geometry(const conv2d_params& p);

// Whether the padded copies the fast paths build (this one, and backward's [Hp, Wp, Cin]
// image) stay within a small multiple of the real input and output. Padding, stride and
// dilation can each be up to 2^31 - 1 on a 2x2 image: Hp * rowlen then overflows int64, or
// needs gigabytes for a 1x1 output (stride 2^26 on 9x9: rows of 2^26 floats). Such layers do
// almost no work; the drivers send them to the reference loops, which touch only the taps
// that land inside the input and need no workspace.
bool padded_copy_is_lean(const conv2d_params& p);

// tap [Cin_g*KH*KW]: offset of the tap's input for output (0, 0) in xp. Taps are in the
// weight's own k order: (ci, kh, kw) for NCHW weights, (kh, kw, ci) when khw_major.
std::vector<int64_t> tap_offsets(const conv2d_params& p, const padded_input& g, int64_t cin_g,
                                 bool khw_major = false);

// xp [Cin_g, Hp, rowlen] <- channels [c0, c0 + cin_g) of one image; element (c, ih, iw) of the
// image is at src[c*sc + ih*sh + iw*sw].
void pack_padded(const conv2d_params& p, const padded_input& g, const float* src, int64_t sc,
                 int64_t sh, int64_t sw, int64_t cin_g, float* xp);

// Padded rows [r0, r1) of every channel of xp <- group g of image x_n (either layout).
void pack_padded_rows(const conv2d_params& p, const padded_input& geo, const float* x_n,
                      int64_t g, int64_t r0, int64_t r1, float* xp);

}  // namespace convkit
