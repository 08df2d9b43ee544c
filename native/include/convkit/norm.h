// Batch normalization of the convkit core (2-D: per channel over N and the spatial
// positions), forward and backward. No Node here.
#pragma once
#include <cstdint>

namespace convkit {

// x viewed as [batch, channels, spatial] (nchw) or [batch, spatial, channels] (nhwc).
struct batch_norm_shape {
  int64_t batch, channels, spatial;
  bool nhwc;
};

// Per-channel batch mean and biased variance (sum of squares over n, not n - 1) of x,
// accumulated in double around a per-channel shift (the channel's first value), so values
// far from zero (mean 1000, std 1) keep their variance. mean, var: [channels].
void batch_norm_stats(const float* x, float* mean, float* var, const batch_norm_shape& s);

// y = x * scale[c] + shift[c] per channel c (both normalizing forms reduce to it). y may be x.
void batch_norm_apply(const float* x, const float* scale, const float* shift, float* y,
                      const batch_norm_shape& s);

// Gradients, with xhat = (x - mean[c]) * invstd[c] and k = scale[c] * invstd[c]:
//   dbias[c] = sum dy, dweight[c] = sum dy * xhat (over the channel's n values);
//   training: dx = k * (dy - dbias / n - xhat * dweight / n) (the batch statistics' terms),
//   else      dx = k * dy (running statistics are constants).
void batch_norm_backward(const float* dy, const float* x, const float* mean, const float* invstd,
                         const float* scale, float* dx, float* dweight, float* dbias,
                         const batch_norm_shape& s, bool training);

}  // namespace convkit
