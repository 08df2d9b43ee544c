// Upsample ukernels, portable (contracts in ukernels.h).
#include "upsample2d/ukernel/ukernels.h"
#include "upsample2d/ukernel/x2-taps.h"

namespace convkit {

void f32_upsample_nearest_row__scalar(const float* r, const int32_t* i0, float* y, int64_t n) {
  for (int64_t j = 0; j < n; ++j) y[j] = r[i0[j]];
}

void f32_upsample_nearest_row_x2__scalar(const float* r, float* y, int64_t n) {
  for (int64_t k = 0; k < n; ++k) {
    y[2 * k] = r[k];
    y[2 * k + 1] = r[k];
  }
}

void f32_upsample_linear_row__scalar(const float* r, const int32_t* i0, const int32_t* i1, const float* w0,
                                     const float* w1, float* t, int64_t n) {
  for (int64_t j = 0; j < n; ++j) t[j] = w0[j] * r[i0[j]] + w1[j] * r[i1[j]];
}

void f32_upsample_linear_row_x2__scalar(const float* r, float* t, int64_t w, int64_t c) {
  const float* second = r + (w > 1 ? c : 0);
  const float* last = r + (w - 1) * c;
  for (int64_t k = 0; k < c; ++k) t[k] = 1.0f * r[k] + 0.0f * second[k];
  for (int64_t i = 1; i < w; ++i) {
    const float* a = r + (i - 1) * c;
    const float* b = a + c;
    float* e = t + 2 * i * c;  // output 2i: a, b as 1/4, 3/4
    float* o = e - c;          // output 2i - 1: a, b as 3/4, 1/4
    for (int64_t k = 0; k < c; ++k) {
      o[k] = 0.75f * a[k] + 0.25f * b[k];
      e[k] = 0.25f * a[k] + 0.75f * b[k];
    }
  }
  float* end = t + (2 * w - 1) * c;
  for (int64_t k = 0; k < c; ++k) end[k] = 0.75f * last[k] + 0.25f * last[k];
}

namespace {

// One pair of bilinear_rows_x2.
inline void rows_x2_pair(const float* r0, const float* r1, float* y0, float* y1, int64_t w, int64_t c) {
  for (int64_t j = 0; j < 2 * w; ++j) {
    int64_t a, b;
    float wa, wb;
    x2_taps(j, w, a, b, wa, wb);
    for (int64_t ch = 0; ch < c; ++ch) {
      const float t0 = wa * r0[a * c + ch] + wb * r0[b * c + ch];
      const float t1 = wa * r1[a * c + ch] + wb * r1[b * c + ch];
      y0[j * c + ch] = 0.75f * t0 + 0.25f * t1;
      y1[j * c + ch] = 0.25f * t0 + 0.75f * t1;
    }
  }
}

}  // namespace

void f32_upsample_bilinear_rows_x2__scalar(const float* r, float* y, int64_t pairs, int64_t w, int64_t c) {
  for_each_row_pair_x2(r, y, pairs, w, c, [&](const float* r0, const float* r1, float* y0, float* y1) {
    rows_x2_pair(r0, r1, y0, y1, w, c);
  });
}

void f32_upsample_blend_rows__scalar(const float* t0, const float* t1, float h0, float h1, float* y, int64_t n) {
  for (int64_t j = 0; j < n; ++j) y[j] = h0 * t0[j] + h1 * t1[j];
}

void f32_upsample_bilinear_row_backward__scalar(const float* g, float h0, float h1, const int32_t* i0,
                                                const int32_t* i1, const float* w0, const float* w1, float* d0,
                                                float* d1, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    d0[i0[j]] += (h0 * w0[j]) * g[j];
    d0[i1[j]] += (h0 * w1[j]) * g[j];
    d1[i0[j]] += (h1 * w0[j]) * g[j];
    d1[i1[j]] += (h1 * w1[j]) * g[j];
  }
}

void f32_upsample_bilinear_pixel__scalar(const float* a, const float* b, const float* c, const float* d, float h0,
                                         float h1, float w0, float w1, float* y, int64_t n) {
  for (int64_t k = 0; k < n; ++k) y[k] = h0 * (w0 * a[k] + w1 * b[k]) + h1 * (w0 * c[k] + w1 * d[k]);
}

void f32_upsample_bilinear_pixel_backward__scalar(const float* g, float h0, float h1, float w0, float w1, float* a,
                                                  float* b, float* c, float* d, int64_t n) {
  const float k00 = h0 * w0, k01 = h0 * w1, k10 = h1 * w0, k11 = h1 * w1;
  // a..d may be the same pixel (edges): each update reads what the one before wrote.
  for (int64_t k = 0; k < n; ++k) {
    const float v = g[k];
    a[k] += k00 * v;
    b[k] += k01 * v;
    c[k] += k10 * v;
    d[k] += k11 * v;
  }
}

}  // namespace convkit
