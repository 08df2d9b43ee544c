// Global average pooling, AVX-512F (contracts in pool2d/ukernel/ukernels.h): NCHW sums each
// channel's plane, NHWC sums 64 channels at a time over the positions. Overflowed sums are the
// driver's (util/fp-overflow.h). Compiled with the AVX-512 flags.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "pool2d/ukernel/pool-avx512-common.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

void f32_gavgpool_nchw__avx512(const float* x, int64_t channels, int64_t hw, float* y) {
  const float inv = 1.0f / static_cast<float>(hw);
  for (int64_t c = 0; c < channels; ++c) {
    const float* xc = x + c * hw;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= hw; i += 32) {
      a0 = _mm512_add_ps(a0, _mm512_loadu_ps(xc + i));
      a1 = _mm512_add_ps(a1, _mm512_loadu_ps(xc + i + 16));
    }
    for (; i < hw; i += 16) a0 = _mm512_add_ps(a0, _mm512_maskz_loadu_ps(tail_mask(hw - i), xc + i));
    y[c] = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1)) * inv;
  }
}

void f32_gavgpool_nhwc__avx512(const float* x, int64_t channels, int64_t hw, float* y) {
  const __m512 inv = _mm512_set1_ps(1.0f / static_cast<float>(hw));
  for (int64_t c0 = 0; c0 < channels; c0 += 64) {
    __mmask16 m[4];
    __m512 acc[4];
    for (int v = 0; v < 4; ++v) {
      m[v] = tail_mask(channels - c0 - 16 * v);
      acc[v] = _mm512_setzero_ps();
    }
    for (int64_t i = 0; i < hw; ++i) {
      const float* xv = x + i * channels + c0;
      for (int v = 0; v < 4; ++v) acc[v] = _mm512_add_ps(acc[v], _mm512_maskz_loadu_ps(m[v], xv + 16 * v));
    }
    for (int v = 0; v < 4; ++v) {
      const __m512 mean = _mm512_mul_ps(acc[v], inv);
      _mm512_mask_storeu_ps(y + c0 + 16 * v, m[v], mean);
    }
  }
}

}  // namespace convkit
