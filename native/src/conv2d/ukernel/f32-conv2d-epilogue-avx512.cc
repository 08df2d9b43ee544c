// The conv2d epilogue, AVX-512F, 16 lanes, masked tail (contract: f32_conv2d_epilogue_fn in
// conv2d/ukernel/ukernels.h; activations in ukernel/activation-avx512.h).
// Compiled with the AVX-512 flags; uses intrinsics and plain loops only, so no inline
// function built with these flags leaks into other files.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "conv2d/ukernel/activation-avx512.h"
#include "conv2d/ukernel/ukernels.h"
#include "util/avx512-helpers.h"

namespace convkit {
namespace {

template <activation A>
void run(float* dst, const float* src, int64_t n, float bv, const float* bc, const float* res) {
  const __m512 b = _mm512_set1_ps(bv);
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = tail_mask(n - j);
    __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(m, src + j),
                             bc != nullptr ? _mm512_maskz_loadu_ps(m, bc + j) : b);
    if (res != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, res + j));
    _mm512_mask_storeu_ps(dst + j, m, activate_avx512(A, v));
  }
}

}  // namespace

void f32_conv2d_epilogue__avx512(float* dst, const float* src, int64_t n, float bv,
                                 const float* bc, const float* res, activation act) {
  with_activation(act, [&](auto a) { run<decltype(a)::value>(dst, src, n, bv, bc, res); });
}

void f32_conv2d_epilogue_rows__avx512(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias,
                                      bool bias_per_row, const float* res, activation act) {
  with_activation(act, [&](auto a) {
    epilogue_each_row(run<decltype(a)::value>, y, rows, cols, ld, bias, bias_per_row, res);
  });
}

}  // namespace convkit
