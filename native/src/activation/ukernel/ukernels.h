// Element-wise activation ukernels: contracts, then the kernels. Each lives in
// ukernel/<its name with dashes>.cc; the driver (activation.cc) calls what the activation
// config holds (configs/activation-config.h), one call per chunk of a parallel split.
#pragma once
#include <cstdint>

namespace convkit {

// y[i] = f(x[i]) for i < n; y may be x (in place).
using f32_vunary_fn = void (*)(const float* x, float* y, int64_t n);
// dx[i] = dy[i] * f'(x) for i < n, written from the forward's saved tensor t (the input for
// ReLU, the output for sigmoid and tanh); dx may be dy or t.
using f32_vunary_backward_fn = void (*)(const float* dy, const float* t, float* dx, int64_t n);

// Portable; the compiler vectorizes them at each build's flags.
void f32_vrelu__scalar(const float* x, float* y, int64_t n);
void f32_vrelu_backward__scalar(const float* dy, const float* t, float* dx, int64_t n);
void f32_vsigmoid__scalar(const float* x, float* y, int64_t n);
void f32_vsigmoid_backward__scalar(const float* dy, const float* t, float* dx, int64_t n);
void f32_vtanh__scalar(const float* x, float* y, int64_t n);
void f32_vtanh_backward__scalar(const float* dy, const float* t, float* dx, int64_t n);

}  // namespace convkit
