// Element-wise and reduction ukernels: contracts, and the per-ISA tables that the elementwise
// and reduce configs (configs/elementwise-config.h) choose from. One generic implementation
// (vec-kernels.h) instantiated per ISA in f32-elementwise-<isa>.cc and f32-reduce-<isa>.cc.
#pragma once
#include <cstdint>

namespace convkit {

constexpr int kBinaryKinds = 7;       // binary_kind (convkit/elementwise.h)
constexpr int kActivationKinds = 15;  // activation_kind (convkit/activation.h)
constexpr int kReduceOps = 3;         // sum, max, min (mean is sum scaled by the driver)

// y[i] = a[i] op b[i] for i < n. Mode vv: both vectors; vs: *b one scalar for every i; sv: *a
// one scalar. y may be an input vector (in place). max and min propagate NaN.
using f32_vbinary_fn = void (*)(const float* a, const float* b, float* y, int64_t n);
// y[i] = f(x[i]) for i < n; params: clamp {min, max}, leakyRelu {slope}, else unused (may be
// null). y may be x.
using f32_vunary_params_fn = void (*)(const float* x, float* y, int64_t n, const float* params);
// dx[i] from dy[i] and the forward's saved t[i] (the output for sigmoid and tanh, else the
// input); dx may be dy or t.
using f32_vunary_backward_params_fn = void (*)(const float* dy, const float* t, float* dx, int64_t n,
                                               const float* params);

struct elementwise_ukernels {
  f32_vbinary_fn binary[kBinaryKinds][3];  // [kind][0 vv, 1 vs, 2 sv]
  f32_vunary_params_fn unary[kActivationKinds];
  f32_vunary_backward_params_fn unary_backward[kActivationKinds];
};

// y[r] = op over the contiguous x[r*axis, (r+1)*axis), r < rows (NaN propagates for max/min).
using f32_reduce_rows_fn = void (*)(const float* x, float* y, int64_t rows, int64_t axis);
// y[i] = op over a < axis of x[a*inner + i], i < n <= inner.
using f32_reduce_cols_fn = void (*)(const float* x, float* y, int64_t axis, int64_t inner, int64_t n);
// As above, the index of the first maximum (the first NaN if any); cols needs axis < 2^24.
using f32_argmax_rows_fn = void (*)(const float* x, int32_t* y, int64_t rows, int64_t axis);
using f32_argmax_cols_fn = void (*)(const float* x, int32_t* y, int64_t axis, int64_t inner, int64_t n);

struct reduce_ukernels {
  f32_reduce_rows_fn rows[kReduceOps];
  f32_reduce_cols_fn cols[kReduceOps];
  f32_argmax_rows_fn argmax_rows;
  f32_argmax_cols_fn argmax_cols;
};

const elementwise_ukernels& f32_elementwise__scalar();
const elementwise_ukernels& f32_elementwise__avx2();
const elementwise_ukernels& f32_elementwise__avx512();
const reduce_ukernels& f32_reduce__scalar();
const reduce_ukernels& f32_reduce__avx2();
const reduce_ukernels& f32_reduce__avx512();

// Argmax of one column x[a * inner], a < axis: the first maximum, a NaN counting as the
// maximum (the first NaN wins). The scalar column of the argmax_cols kernels and of the
// driver's loop for columns past 2^24. static inline: private to each file (ISA flags).
static inline int32_t argmax_col(const float* x, int64_t axis, int64_t inner) {
  float best = x[0];
  int64_t at = 0;
  for (int64_t a = 1; a < axis && best == best; ++a) {
    const float v = x[a * inner];
    if (v > best || v != v) best = v, at = a;
  }
  return static_cast<int32_t>(at);
}

}  // namespace convkit
