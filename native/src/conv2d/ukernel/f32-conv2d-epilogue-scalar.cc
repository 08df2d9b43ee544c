// The conv2d epilogue, portable (contract: f32_conv2d_epilogue_fn in conv2d/ukernel/ukernels.h).
// exp by Cephes' expf scheme: e^x = 2^n * e^r, n = round(x / ln 2), |r| <= ln(2)/2, a
// degree-6 polynomial for e^r (relative error about 2e-7), 2^n applied in two halves so
// results down to the denormals stay right. The AVX2 and AVX-512 epilogues compute the same
// polynomial (with FMAs), so every ISA level agrees to about 1e-7 relative.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "conv2d/ukernel/ukernels.h"

namespace convkit {
namespace {

constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kExpLo = -104.0f;  // e^x < 2^-150 below: 0

float pow2i(int32_t k) {  // 2^k for k in [-126, 127]
  const uint32_t bits = static_cast<uint32_t>(k + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// e^x for x <= 0; NaN stays NaN.
float exp_nonpos(float x) {
  if (!(x >= kExpLo)) return x != x ? x : 0.0f;
  const float n = std::floor(x * kLog2e + 0.5f);
  float r = x - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float e = p * (r * r) + r + 1.0f;
  const int32_t ni = static_cast<int32_t>(n), n1 = ni >> 1;  // n in [-150, 0]: halves >= -75
  return e * pow2i(n1) * pow2i(ni - n1);
}

// 1 / (1 + e^-v), from e^-|v| so that neither side overflows.
float sigmoid(float v) {
  const float e = exp_nonpos(-std::fabs(v));
  const float s = 1.0f / (1.0f + e);
  return v >= 0.0f ? s : e * s;
}

template <activation A>
float activate(float v) {
  switch (A) {
    case activation::none: return v;
    case activation::relu: return v < 0.0f ? 0.0f : v;  // keeps NaN, as the reference does
    case activation::relu6: return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);
    case activation::sigmoid: return sigmoid(v);
    case activation::silu: return v * sigmoid(v);
    case activation::hard_swish: {
      const float t = v + 3.0f;
      return v * (t < 0.0f ? 0.0f : (t > 6.0f ? 6.0f : t)) * (1.0f / 6.0f);
    }
  }
  return v;
}

template <activation A>
void run(float* dst, const float* src, int64_t n, float bv, const float* bc, const float* res) {
  if (bc != nullptr && res != nullptr) {
    for (int64_t j = 0; j < n; ++j) dst[j] = activate<A>(src[j] + bc[j] + res[j]);
  } else if (bc != nullptr) {
    for (int64_t j = 0; j < n; ++j) dst[j] = activate<A>(src[j] + bc[j]);
  } else if (res != nullptr) {
    for (int64_t j = 0; j < n; ++j) dst[j] = activate<A>(src[j] + bv + res[j]);
  } else {
    for (int64_t j = 0; j < n; ++j) dst[j] = activate<A>(src[j] + bv);
  }
}

}  // namespace

float f32_conv2d_activate__scalar(activation act, float v) {
  return with_activation(act, [v](auto a) { return activate<decltype(a)::value>(v); });
}

void f32_conv2d_epilogue__scalar(float* dst, const float* src, int64_t n, float bv,
                                 const float* bc, const float* res, activation act) {
  with_activation(act, [&](auto a) { run<decltype(a)::value>(dst, src, n, bv, bc, res); });
}

void f32_conv2d_epilogue_rows__scalar(float* y, int64_t rows, int64_t cols, int64_t ld, const float* bias,
                                      bool bias_per_row, const float* res, activation act) {
  with_activation(act, [&](auto a) {
    epilogue_each_row(run<decltype(a)::value>, y, rows, cols, ld, bias, bias_per_row, res);
  });
}

}  // namespace convkit
