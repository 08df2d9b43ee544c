// Batch-norm ukernels, portable (contracts in norm/ukernel/ukernels.h). Four independent
// double accumulators per sum keep the adds pipelined; the element-wise ones vectorize at
// the build's flags.
#include <cstdint>

#include "norm/ukernel/ukernels.h"

namespace convkit {

void f32_bn_moments_row__scalar(const float* x, int64_t n, float shift, double* sum, double* sumsq) {
  double s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int k = 0; k < 4; ++k) {
      const double d = static_cast<double>(x[i + k] - shift);
      s[k] += d;
      q[k] += d * d;
    }
  }
  for (; i < n; ++i) {
    const double d = static_cast<double>(x[i] - shift);
    s[0] += d;
    q[0] += d * d;
  }
  *sum += (s[0] + s[1]) + (s[2] + s[3]);
  *sumsq += (q[0] + q[1]) + (q[2] + q[3]);
}

void f32_bn_moments_rows__scalar(const float* x, int64_t rows, int64_t channels, const float* shift, double* sum,
                                 double* sumsq) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * channels;
    for (int64_t c = 0; c < channels; ++c) {
      const double d = static_cast<double>(xr[c] - shift[c]);
      sum[c] += d;
      sumsq[c] += d * d;
    }
  }
}

void f32_bn_apply_row__scalar(const float* x, float* y, int64_t n, float a, float b) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * a + b;
}

void f32_bn_apply_rows__scalar(const float* x, float* y, int64_t rows, int64_t channels, const float* a,
                               const float* b) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * channels;
    float* yr = y + r * channels;
    for (int64_t c = 0; c < channels; ++c) yr[c] = xr[c] * a[c] + b[c];
  }
}

void f32_bn_grad_sums_row__scalar(const float* dy, const float* x, int64_t n, float mean, double* sdy,
                                  double* sdyx) {
  double s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int k = 0; k < 4; ++k) {
      s[k] += static_cast<double>(dy[i + k]);
      q[k] += static_cast<double>(dy[i + k] * (x[i + k] - mean));
    }
  }
  for (; i < n; ++i) {
    s[0] += static_cast<double>(dy[i]);
    q[0] += static_cast<double>(dy[i] * (x[i] - mean));
  }
  *sdy += (s[0] + s[1]) + (s[2] + s[3]);
  *sdyx += (q[0] + q[1]) + (q[2] + q[3]);
}

void f32_bn_grad_sums_rows__scalar(const float* dy, const float* x, int64_t rows, int64_t channels,
                                   const float* mean, double* sdy, double* sdyx) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* dr = dy + r * channels;
    const float* xr = x + r * channels;
    for (int64_t c = 0; c < channels; ++c) {
      sdy[c] += static_cast<double>(dr[c]);
      sdyx[c] += static_cast<double>(dr[c] * (xr[c] - mean[c]));
    }
  }
}

void f32_bn_dx_row__scalar(const float* dy, const float* x, float* dx, int64_t n, float a, float b, float d,
                           float m) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * a + ((x[i] - m) * b + d);
}

void f32_bn_dx_rows__scalar(const float* dy, const float* x, float* dx, int64_t rows, int64_t channels,
                            const float* a, const float* b, const float* d, const float* m) {
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t o = r * channels;
    for (int64_t c = 0; c < channels; ++c) dx[o + c] = dy[o + c] * a[c] + ((x[o + c] - m[c]) * b[c] + d[c]);
  }
}

}  // namespace convkit
