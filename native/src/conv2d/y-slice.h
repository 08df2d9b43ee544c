// y as a channel slice of a wider tensor (conv2d_params::y_channels): the paths that write
// their output tiles straight into the slice (NHWC 1x1 GEMM without a residual, NHWC
// Winograd) take p as it is; every other path and precision runs through_plain_y: the
// convolution into the calling thread's workspace as the plain output, then one strided copy
// into the slice, split over the threads by pixels as the convolution split them. Internal to
// native/src/conv2d.
#pragma once

#include "convkit/conv2d.h"

namespace convkit {

// The calling thread's plain output for through_plain_y (its own workspace: the convolution
// inside uses the others).
float* plain_y_space(int64_t floats);
// y's slice (p.y_channels) = the plain output t ([N, OH, OW, Cout] or [N, Cout, OH, OW]).
void copy_into_y_slice(const conv2d_params& p, const float* t, float* y);

// conv(q, t): the convolution p with a plain output t; then t into y's slice.
template <class Conv>
void through_plain_y(const conv2d_params& p, float* y, Conv conv) {
  conv2d_params q = p;
  q.y_channels = 0;
  float* t = plain_y_space(conv2d_out_elements(q));
  conv(q, t);
  copy_into_y_slice(p, t, y);
}

}  // namespace convkit
