// Batch-norm ukernels: contracts, then the kernels (one file per ISA variant:
// f32-bnorm-<isa>.cc). The driver (norm/batch-norm.cc) calls what the norm config holds
// (configs/norm-config.h), once per NCHW plane or per block of NHWC rows. "row" kernels take
// one channel's contiguous run of n values; "rows" kernels take `rows` rows of `channels`
// values (NHWC), channel c at offset c of each row. Sums go into double accumulators, added
// to (not overwritten).
#pragma once
#include <cstdint>

namespace convkit {

// sum += sum (x - shift), sumsq += sum (x - shift)^2.
using f32_bn_moments_row_fn = void (*)(const float* x, int64_t n, float shift, double* sum, double* sumsq);
using f32_bn_moments_rows_fn = void (*)(const float* x, int64_t rows, int64_t channels, const float* shift,
                                        double* sum, double* sumsq);
// y = x * a + b (y may be x).
using f32_bn_apply_row_fn = void (*)(const float* x, float* y, int64_t n, float a, float b);
using f32_bn_apply_rows_fn = void (*)(const float* x, float* y, int64_t rows, int64_t channels, const float* a,
                                      const float* b);
// sdy += sum dy, sdyx += sum dy * (x - mean).
using f32_bn_grad_sums_row_fn = void (*)(const float* dy, const float* x, int64_t n, float mean, double* sdy,
                                         double* sdyx);
using f32_bn_grad_sums_rows_fn = void (*)(const float* dy, const float* x, int64_t rows, int64_t channels,
                                          const float* mean, double* sdy, double* sdyx);
// dx = dy * a + ((x - m) * b + d).
using f32_bn_dx_row_fn = void (*)(const float* dy, const float* x, float* dx, int64_t n, float a, float b, float d,
                                  float m);
using f32_bn_dx_rows_fn = void (*)(const float* dy, const float* x, float* dx, int64_t rows, int64_t channels,
                                   const float* a, const float* b, const float* d, const float* m);

#define CONVKIT_BN_UKERNELS(isa)                                                                                   \
  void f32_bn_moments_row__##isa(const float* x, int64_t n, float shift, double* sum, double* sumsq);            \
  void f32_bn_moments_rows__##isa(const float* x, int64_t rows, int64_t channels, const float* shift,            \
                                  double* sum, double* sumsq);                                                   \
  void f32_bn_apply_row__##isa(const float* x, float* y, int64_t n, float a, float b);                           \
  void f32_bn_apply_rows__##isa(const float* x, float* y, int64_t rows, int64_t channels, const float* a,        \
                                const float* b);                                                                 \
  void f32_bn_grad_sums_row__##isa(const float* dy, const float* x, int64_t n, float mean, double* sdy,          \
                                   double* sdyx);                                                                \
  void f32_bn_grad_sums_rows__##isa(const float* dy, const float* x, int64_t rows, int64_t channels,            \
                                    const float* mean, double* sdy, double* sdyx);                               \
  void f32_bn_dx_row__##isa(const float* dy, const float* x, float* dx, int64_t n, float a, float b, float d,    \
                            float m);                                                                          \
  void f32_bn_dx_rows__##isa(const float* dy, const float* x, float* dx, int64_t rows, int64_t channels,        \
                             const float* a, const float* b, const float* d, const float* m);

CONVKIT_BN_UKERNELS(scalar)
CONVKIT_BN_UKERNELS(avx2)
CONVKIT_BN_UKERNELS(avx512)

#undef CONVKIT_BN_UKERNELS

}  // namespace convkit
