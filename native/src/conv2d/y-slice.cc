// The plain-output route of a y slice (y-slice.h).
#include "conv2d/y-slice.h"

#include "convkit/copy.h"
#include "util/workspace.h"

namespace convkit {

float* plain_y_space(int64_t floats) {
  thread_local workspace space;
  return space.get(static_cast<size_t>(floats));
}

void copy_into_y_slice(const conv2d_params& p, const float* t, float* y) {
  const int64_t C = p.out_channels, P = p.out_height * p.out_width, Y = conv2d_y_channels(p);
  strided_copy_params c{};
  c.rank = 2;
  if (p.data_layout == layout::nhwc) {  // pixels x channels
    c.shape[0] = p.batch * P, c.shape[1] = C;
    c.x_strides[0] = C, c.y_strides[0] = Y;
  } else {  // images x (channels and pixels, contiguous in both)
    c.shape[0] = p.batch, c.shape[1] = C * P;
    c.x_strides[0] = C * P, c.y_strides[0] = Y * P;
  }
  c.x_strides[1] = c.y_strides[1] = 1;
  copy_strided(t, y, c);
}

}  // namespace convkit
