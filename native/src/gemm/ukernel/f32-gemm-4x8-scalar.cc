// 4x8 f32 GEMM micro-kernel in plain C++: the fallback on every machine (and the NEON
// stand-in until a NEON kernel exists). Contract in configs/gemm-config.h.
#include <cstdint>

namespace convkit {

void f32_gemm_ukernel_4x8__scalar(int64_t kc, const float* a, const float* b, float* c,
                                  int64_t ldc, float alpha, float beta) {
  float acc[4][8] = {};
  for (int64_t p = 0; p < kc; ++p) {
    for (int i = 0; i < 4; ++i) {
      const float ai = a[i];
      for (int j = 0; j < 8; ++j) acc[i][j] += ai * b[j];
    }
    a += 4;
    b += 8;
  }
  for (int i = 0; i < 4; ++i) {
    float* ci = c + i * ldc;
    if (beta == 0.0f) {
      for (int j = 0; j < 8; ++j) ci[j] = alpha * acc[i][j];
    } else {
      for (int j = 0; j < 8; ++j) ci[j] = alpha * acc[i][j] + beta * ci[j];
    }
  }
}

}  // namespace convkit
