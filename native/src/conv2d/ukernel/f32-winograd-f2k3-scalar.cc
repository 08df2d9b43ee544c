// Winograd F(2x2, 3x3) transforms, portable, one channel at a time (contracts:
// winograd_*_fn in conv2d/ukernel/ukernels.h). Same arithmetic, in the same order, as the
// AVX-512 versions, so either gives the same sums.
#include "conv2d/ukernel/ukernels.h"

namespace convkit {

void f32_winograd_f2k3_input__scalar(const float* const* src, int64_t cc, float* dst, int64_t ldk) {
  for (int64_t c = 0; c < cc; ++c) {
    float d[16], r[16];
    for (int k = 0; k < 16; ++k) d[k] = src[k] != nullptr ? src[k][c] : 0.0f;
    for (int j = 0; j < 4; ++j) {
      r[j] = d[j] - d[8 + j];
      r[4 + j] = d[4 + j] + d[8 + j];
      r[8 + j] = d[8 + j] - d[4 + j];
      r[12 + j] = d[4 + j] - d[12 + j];
    }
    for (int i = 0; i < 4; ++i) {
      const float e0 = r[i * 4], e1 = r[i * 4 + 1], e2 = r[i * 4 + 2], e3 = r[i * 4 + 3];
      dst[(i * 4 + 0) * ldk + c] = e0 - e2;
      dst[(i * 4 + 1) * ldk + c] = e1 + e2;
      dst[(i * 4 + 2) * ldk + c] = e2 - e1;
      dst[(i * 4 + 3) * ldk + c] = e1 - e3;
    }
  }
}

void f32_winograd_f2k3_weight__scalar(const float* g, int64_t ld, int64_t cc, float* dst, int64_t ldk) {
  for (int64_t c = 0; c < cc; ++c) {
    float t[12];
    for (int j = 0; j < 3; ++j) {
      const float g0 = g[j * ld + c], g1 = g[(3 + j) * ld + c], g2 = g[(6 + j) * ld + c];
      t[j] = g0;
      t[3 + j] = 0.5f * (g0 + g2 + g1);
      t[6 + j] = 0.5f * (g0 + g2 - g1);
      t[9 + j] = g2;
    }
    for (int i = 0; i < 4; ++i) {
      const float a = t[i * 3], b = t[i * 3 + 1], e = t[i * 3 + 2];
      dst[(i * 4 + 0) * ldk + c] = a;
      dst[(i * 4 + 1) * ldk + c] = 0.5f * (a + e + b);
      dst[(i * 4 + 2) * ldk + c] = 0.5f * (a + e - b);
      dst[(i * 4 + 3) * ldk + c] = e;
    }
  }
}

bool f32_winograd_f2k3_output__scalar(const float* m, int64_t ks, int64_t cn, const float* bias,
                                      const float* const* res, activation act, float* const* dst) {
  bool finite = true;
  for (int64_t c = 0; c < cn; ++c) {
    float s0[4], s1[4];
    for (int j = 0; j < 4; ++j) {
      const float m0 = m[j * ks + c], m1 = m[(4 + j) * ks + c], m2 = m[(8 + j) * ks + c],
                  m3 = m[(12 + j) * ks + c];
      s0[j] = (m0 + m1) + m2;
      s1[j] = (m1 - m2) - m3;
    }
    const float bv = bias != nullptr ? bias[c] : 0.0f;
    float y[4] = {((s0[0] + s0[1]) + s0[2]) + bv, ((s0[1] - s0[2]) - s0[3]) + bv,
                  ((s1[0] + s1[1]) + s1[2]) + bv, ((s1[1] - s1[2]) - s1[3]) + bv};
    for (int q = 0; q < 4; ++q) {
      if (dst[q] == nullptr) continue;
      finite = finite && y[q] - y[q] == 0.0f;  // false for +-Inf and NaN
      const float v = res != nullptr ? y[q] + res[q][c] : y[q];
      dst[q][c] = f32_conv2d_activate__scalar(act, v);
    }
  }
  return finite;
}

// (A d A^T) of a 2x2 dy tile, A = [1 0; 1 1; 1 -1; 0 -1] (the forward output transform's A):
// rows [d0, d0 + d1, d0 - d1, 0 - d1], then the same along each row.
void f32_winograd_f2k3_dy__scalar(const float* const* src, int64_t cc, float* dst, int64_t ldk, int64_t panel,
                                  int64_t pstride) {
  for (int64_t c = 0; c < cc; ++c) {
    float d[4];
    for (int q = 0; q < 4; ++q) d[q] = src[q] != nullptr ? src[q][c] : 0.0f;
    const float r[4][2] = {{d[0], d[1]}, {d[0] + d[2], d[1] + d[3]}, {d[0] - d[2], d[1] - d[3]}, {0.0f - d[2], 0.0f - d[3]}};
    float* o = dst + (c / panel) * pstride + c % panel;
    for (int i = 0; i < 4; ++i) {
      const float u = r[i][0], v = r[i][1];
      o[(i * 4 + 0) * ldk] = u;
      o[(i * 4 + 1) * ldk] = u + v;
      o[(i * 4 + 2) * ldk] = u - v;
      o[(i * 4 + 3) * ldk] = 0.0f - v;
    }
  }
}

}  // namespace convkit
