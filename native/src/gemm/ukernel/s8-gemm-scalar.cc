// Portable int8 GEMM kernels (contracts in configs/qgemm-config.h): plain integer loops, the
// path of every CPU without int8 dot products and the reference the VNNI kernels match bit
// for bit (the sums are exact integers; the dequantization is the same rounded operations).
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "gemm/ukernel/s8-gemm.h"

namespace convkit {

// No fused epilogue (the plan says so: the driver runs conv2d's epilogue rows after it).
void s8_gemm_ukernel_4x32__scalar(int64_t kq, const uint8_t* a, int64_t lda, int64_t m_eff, const int8_t* b,
                                  int64_t n_eff, const float* scale, const int32_t* colsum128, float* c,
                                  int64_t ldc, float alpha, float beta, const float*, const float*, activation) {
  for (int64_t i = 0; i < m_eff; ++i) {
    int32_t acc[32] = {};
    const uint8_t* ai = a + i * lda;
    for (int64_t p = 0; p < kq; p += 4) {
      const int8_t* bq = b + p * 32;
      for (int64_t j = 0; j < 32; ++j) {
        acc[j] += ai[p] * bq[4 * j] + ai[p + 1] * bq[4 * j + 1] + ai[p + 2] * bq[4 * j + 2] + ai[p + 3] * bq[4 * j + 3];
      }
    }
    for (int64_t j = 0; j < n_eff; ++j) {
      float d = static_cast<float>(acc[j] - colsum128[j]) * scale[j];
      CONVKIT_QGEMM_ROUNDED(d);
      float y = alpha * d;
      if (beta != 0.0f) {
        float t = beta * c[i * ldc + j];
        CONVKIT_QGEMM_ROUNDED(y);
        CONVKIT_QGEMM_ROUNDED(t);
        y = y + t;
      }
      c[i * ldc + j] = y;
    }
  }
}

void s8_quantize__scalar(int64_t n, const float* src, const float* s, bool per_element, int offset, uint8_t* dst) {
  for (int64_t i = 0; i < n; ++i) {
    const float si = per_element ? s[i] : s[0];
    int32_t q = 0;
    if (si != 0.0f) {
      const float v = src[i] / si;
      q = static_cast<int32_t>(std::clamp(std::nearbyint(v), -127.0f, 127.0f));  // rne: the default rounding mode
    }
    dst[i] = static_cast<uint8_t>(q + offset);
  }
}

float f32_absmax__scalar(int64_t n, const float* src) {
  float m = 0.0f;
  bool finite = true;
  for (int64_t i = 0; i < n; ++i) {
    const float v = std::fabs(src[i]);
    finite = finite && v <= 3.40282347e38f;  // false for NaN and infinities
    m = std::max(m, v);
  }
  return finite ? m : std::nanf("");
}

void f32_absmax_cols__scalar(int64_t k, int64_t cols, const float* src, int64_t ld, float* mx) {
  for (int64_t j = 0; j < cols; ++j) {
    float m = 0.0f;
    bool finite = true;
    for (int64_t p = 0; p < k; ++p) {
      const float v = std::fabs(src[p * ld + j]);
      finite = finite && v <= 3.40282347e38f;
      m = std::max(m, v);
    }
    mx[j] = finite ? m : std::nanf("");
  }
}

void s8_pack_panel__scalar(int64_t k, int64_t cols, const float* src, int64_t ld, const float* s, int8_t* panel,
                           int32_t* colsum128) {
  const int64_t kq = (k + 3) / 4 * 4;
  std::fill(panel, panel + kq * 32, int8_t{0});
  for (int64_t j = 0; j < 32; ++j) colsum128[j] = 0;
  for (int64_t p = 0; p < k; ++p) {
    uint8_t q[32];
    s8_quantize__scalar(cols, src + p * ld, s, true, 0, q);
    for (int64_t j = 0; j < cols; ++j) {
      panel[(p / 4) * 128 + j * 4 + p % 4] = static_cast<int8_t>(q[j]);
      colsum128[j] += 128 * static_cast<int8_t>(q[j]);
    }
  }
}

}  // namespace convkit
