// Would an int8 path (issue 17, `precision: 'int8'`) reach 2.5x convkit's fp32 time on the
// suite's large layers? A probe, not a shipped kernel: the cheapest int8 design that is still
// correct, timed end to end at 1 thread against convkit's fp32 (and bf16) paths on the same
// shapes, so the decision rests on a measurement rather than on the instruction rates.
//
// The int8 design measured (what ONNX Runtime's dynamic quantization and oneDNN do on VNNI):
//   - weights quantized once per output channel, symmetric s8 (scale = max|w_j| / 127), packed
//     as 32-column panels of k quads: panel[p/4][j][p%4] (vpdpbusd's s8 operand);
//   - activations quantized per call, per tensor: one pass for max|x|, one pass writing
//     u8 = clamp(round(x / sx) + 128, 0, 255) (vpdpbusd's u8 operand; the +128 is taken back
//     with 128 * colsum(w_j), computed once with the weights);
//   - a 12 x 32 micro-kernel (24 int32 accumulators), A's rows read in place as 4-byte quads,
//     full K per call (K <= 1024 here: a 32 x 1024 panel is 32 KB, in L1), the dequantization
//     and bias in registers: y = sx * sw_j * (acc - 128 * colsum_j) + b_j;
//   - the 3x3 layer as an im2col of the u8 activations (a padded tap reads the zero point 128).
// Reported: ms (median), the fp32 / int8 time ratio, and int8's error against fp32 (max abs
// difference / max |fp32 output|), which shows what per-tensor 8-bit activations cost.
//   int8-probe [--reps N]
#include "util/x86-intrinsics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <vector>

#include "convkit/conv2d.h"
#include "convkit/gemm.h"
#include "convkit/sbgemm.h"
#include "convkit/parallel.h"
#include "convkit/qgemm.h"
#include "peak.h"

namespace {

#define INT8_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni")))

constexpr int MR = 12, NR = 32;

// Weights W [K, N] (row-major, as the GEMM's B) quantized per column and packed (see above).
struct qweights {
  int64_t k, n, kq;               // kq = K rounded up to a multiple of 4
  std::vector<int8_t> panels;     // n / NR panels of kq * NR bytes
  std::vector<float> scale;       // per column
  std::vector<int32_t> colsum128; // 128 * sum_p wq[p][j]
};

qweights quantize_weights(int64_t k, int64_t n, const float* w) {
  qweights q{k, n, (k + 3) / 4 * 4, {}, {}, {}};
  q.panels.assign(static_cast<size_t>(q.kq * n), 0);
  q.scale.resize(n);
  q.colsum128.resize(n);
  for (int64_t j = 0; j < n; ++j) {
    float mx = 0;
    for (int64_t p = 0; p < k; ++p) mx = std::max(mx, std::fabs(w[p * n + j]));
    const float s = mx > 0 ? mx / 127.0f : 1.0f;
    q.scale[j] = s;
    int32_t sum = 0;
    for (int64_t p = 0; p < k; ++p) {
      const int v = static_cast<int>(std::lrintf(w[p * n + j] / s));
      const int8_t c = static_cast<int8_t>(std::clamp(v, -127, 127));
      q.panels[(j / NR) * q.kq * NR + (p / 4) * NR * 4 + (j % NR) * 4 + p % 4] = c;
      sum += c;
    }
    q.colsum128[j] = 128 * sum;
  }
  return q;
}

// Per-tensor scale of x (n floats) and x quantized to u8 with zero point 128, rows of `k`
// floats written as rows of `ldq` bytes (the pad bytes of each row set to 128: they meet zero
// weights).
INT8_TARGET float quantize_activations(int64_t rows, int64_t k, const float* x, uint8_t* q, int64_t ldq) {
  __m512 mx = _mm512_setzero_ps();
  const int64_t n = rows * k;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) mx = _mm512_max_ps(mx, _mm512_abs_ps(_mm512_loadu_ps(x + i)));
  float m = _mm512_reduce_max_ps(mx);
  for (; i < n; ++i) m = std::max(m, std::fabs(x[i]));
  const float s = m > 0 ? m / 127.0f : 1.0f;
  const __m512 inv = _mm512_set1_ps(1.0f / s);
  const __m512i zp = _mm512_set1_epi32(128), zero = _mm512_setzero_si512();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * k;
    uint8_t* qr = q + r * ldq;
    int64_t p = 0;
    for (; p < k; p += 16) {
      const __mmask16 m16 = k - p >= 16 ? __mmask16(0xffff) : __mmask16((1u << (k - p)) - 1);
      __m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(m16, xr + p), inv)), zp);
      v = _mm512_max_epi32(v, zero);
      _mm_mask_storeu_epi8(qr + p, m16, _mm512_cvtusepi32_epi8(v));
    }
    for (p = k; p < ldq; ++p) qr[p] = 128;
  }
  return s;
}

// acc += u8 quads of a . s8 quads of b, lane by lane. In asm: GCC 12 allocates the intrinsic's
// accumulator badly (a register copy and a stack store per instruction; the probe ran at a
// third of the rate).
INT8_TARGET inline void dpbusd(__m512i& acc, __m512i a, __m512i b) {
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
}

// C[R x 32] = dequant(A[R rows in place, lda bytes] . panel) + bias, R <= MR.
template <int R>
INT8_TARGET void ukernel(int64_t kq, const uint8_t* a, int64_t lda, const int8_t* b, float* c, int64_t ldc,
                         float sx, const float* sw, const int32_t* colsum128, const float* bias) {
  __m512i acc[R][2];  // every loop over it unrolled, so that it lives in registers
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
  for (int64_t p = 0; p < kq; p += 4) {
    const __m512i b0 = _mm512_loadu_si512(b + p * NR), b1 = _mm512_loadu_si512(b + p * NR + 64);
#pragma GCC unroll 12
    for (int i = 0; i < R; ++i) {
      int32_t quad;
      std::memcpy(&quad, a + i * lda + p, 4);
      const __m512i ai = _mm512_set1_epi32(quad);
      dpbusd(acc[i][0], ai, b0);
      dpbusd(acc[i][1], ai, b1);
    }
  }
  __m512 scale[2], offset[2], bv[2];
#pragma GCC unroll 2
  for (int v = 0; v < 2; ++v) {
    scale[v] = _mm512_mul_ps(_mm512_set1_ps(sx), _mm512_loadu_ps(sw + 16 * v));
    offset[v] = _mm512_cvtepi32_ps(_mm512_loadu_si512(colsum128 + 16 * v));
    bv[v] = bias != nullptr ? _mm512_loadu_ps(bias + 16 * v) : _mm512_setzero_ps();
  }
#pragma GCC unroll 12
  for (int i = 0; i < R; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < 2; ++v) {
      const __m512 d = _mm512_sub_ps(_mm512_cvtepi32_ps(acc[i][v]), offset[v]);
      _mm512_storeu_ps(c + i * ldc + 16 * v, _mm512_fmadd_ps(d, scale[v], bv[v]));
    }
  }
}

// C[M, N] = dequant(Aq[M, kq] . W) + bias; Aq's rows at stride lda bytes. N a multiple of 32.
// Column blocks of 256 (a 256 x 1024 B block is 256 KB, in L2), then MR rows of A (12 KB at
// K = 1024, in L1) across the block's panels.
INT8_TARGET void gemm_u8s8(int64_t m, const uint8_t* a, int64_t lda, const qweights& w, float sx, const float* bias,
                           float* c) {
  const int64_t n = w.n, kq = w.kq;
  for (int64_t jc = 0; jc < n; jc += 256) {
    const int64_t nc = std::min<int64_t>(256, n - jc);
    for (int64_t i = 0; i < m; i += MR) {
      const int64_t r = std::min<int64_t>(MR, m - i);
      for (int64_t j = jc; j < jc + nc; j += NR) {
        const int8_t* bp = w.panels.data() + (j / NR) * kq * NR;
        const float* bj = bias != nullptr ? bias + j : nullptr;
        float* cij = c + i * n + j;
        const uint8_t* ai = a + i * lda;
        const float* sw = w.scale.data() + j;
        const int32_t* cs = w.colsum128.data() + j;
        switch (r) {
          case 12: ukernel<12>(kq, ai, lda, bp, cij, n, sx, sw, cs, bj); break;
          case 11: ukernel<11>(kq, ai, lda, bp, cij, n, sx, sw, cs, bj); break;
          case 10: ukernel<10>(kq, ai, lda, bp, cij, n, sx, sw, cs, bj); break;
          case 9: ukernel<9>(kq, ai, lda, bp, cij, n, sx, sw, cs, bj); break;
          case 8: ukernel<8>(kq, ai, lda, bp, cij, n, sx, sw, cs, bj); break;
          case 7: ukernel<7>(kq, ai, lda, bp, cij, n, sx, sw, cs, bj); break;
          case 6: ukernel<6>(kq, ai, lda, bp, cij, n, sx, sw, cs, bj); break;
          case 5: ukernel<5>(kq, ai, lda, bp, cij, n, sx, sw, cs, bj); break;
          case 4: ukernel<4>(kq, ai, lda, bp, cij, n, sx, sw, cs, bj); break;
          case 3: ukernel<3>(kq, ai, lda, bp, cij, n, sx, sw, cs, bj); break;
          case 2: ukernel<2>(kq, ai, lda, bp, cij, n, sx, sw, cs, bj); break;
          default: ukernel<1>(kq, ai, lda, bp, cij, n, sx, sw, cs, bj); break;
        }
      }
    }
  }
}

// NHWC k x k im2col of u8 (stride 1, `pad` on each side): row (oh, ow) holds taps (kh, kw, c)
// at byte kq-aligned row stride ld; padded taps read the zero point.
void im2col_u8(int64_t h, int64_t w, int64_t cin, int64_t k, int64_t pad, const uint8_t* x, uint8_t* col, int64_t ld) {
  for (int64_t oh = 0; oh < h; ++oh) {
    for (int64_t ow = 0; ow < w; ++ow) {
      uint8_t* row = col + (oh * w + ow) * ld;
      for (int64_t kh = 0; kh < k; ++kh) {
        const int64_t ih = oh + kh - pad;
        for (int64_t kw = 0; kw < k; ++kw) {
          const int64_t iw = ow + kw - pad;
          uint8_t* dst = row + (kh * k + kw) * cin;
          if (ih < 0 || ih >= h || iw < 0 || iw >= w) {
            std::memset(dst, 128, static_cast<size_t>(cin));
          } else {
            std::memcpy(dst, x + (ih * w + iw) * cin, static_cast<size_t>(cin));
          }
        }
      }
      std::memset(row + k * k * cin, 128, static_cast<size_t>(ld - k * k * cin));
    }
  }
}

double median_ms(const std::function<void()>& fn, int reps) {
  fn();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double t0 = bench::now_s();
    fn();
    t.push_back((bench::now_s() - t0) * 1e3);
  }
  return bench::median(t);
}

std::vector<float> random_vec(int64_t n, unsigned seed, float lo, float hi) {
  std::vector<float> v(static_cast<size_t>(n));
  srand(seed);
  for (auto& x : v) x = lo + (hi - lo) * static_cast<float>(rand()) / static_cast<float>(RAND_MAX);
  return v;
}

double rel_err(const std::vector<float>& ref, const std::vector<float>& got) {
  double mx = 0, d = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    mx = std::max(mx, std::fabs(static_cast<double>(ref[i])));
    d = std::max(d, std::fabs(static_cast<double>(ref[i]) - got[i]));
  }
  return mx > 0 ? d / mx : d;
}

void row(const char* name, double gflop, double fp32, double bf16, double i8, double err) {
  std::printf("%-9s %9.3f %9.3f %9.3f  %6.2fx %6.2fx   %5.0f %5.0f %5.0f   %.1e\n", name, fp32, bf16, i8,
              fp32 / bf16, fp32 / i8, gflop / fp32, gflop / bf16, gflop / i8, err);
}

// A 1 x H x W x Cin NHWC conv with Cout outputs, k x k, stride 1, "same" padding, bias.
void conv_case(const char* name, int64_t hw, int64_t cin, int64_t cout, int64_t k, int reps) {
  using namespace convkit;
  conv2d_params p{};
  p.batch = 1; p.in_channels = cin; p.in_height = p.in_width = hw; p.out_channels = cout;
  p.kernel_h = p.kernel_w = k; p.stride_h = p.stride_w = 1; p.dilation_h = p.dilation_w = 1; p.groups = 1;
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = k / 2;
  p.out_height = p.out_width = hw; p.data_layout = layout::nhwc; p.has_bias = true; p.act = activation::none;
  const int64_t m = hw * hw, kk = k * k * cin;
  // Activations as after a ReLU (non-negative, a long tail), weights centred: a conv layer's.
  std::vector<float> x = random_vec(m * cin, 1, 0.0f, 1.0f), w = random_vec(cout * kk, 2, -0.1f, 0.1f),
                     b = random_vec(cout, 3, -0.1f, 0.1f), y(m * cout), y8(m * cout), yb(m * cout);
  for (auto& v : x) v = v * v * v;
  std::vector<float> packed(conv2d_packed_size(p)), packed_bf(conv2d_bf16_packed_size(p));
  conv2d_prepack(p, w.data(), packed.data());
  conv2d_bf16_prepack(p, w.data(), packed_bf.data());
  // w is [Cout, kh, kw, Cin] (NHWC weights): as the GEMM's B it is [kk, Cout].
  std::vector<float> wt(kk * cout);
  for (int64_t o = 0; o < cout; ++o)
    for (int64_t q = 0; q < kk; ++q) wt[q * cout + o] = w[o * kk + q];
  const qweights qw = quantize_weights(kk, cout, wt.data());
  std::vector<uint8_t> xq(m * ((cin + 3) / 4 * 4)), col(k > 1 ? m * qw.kq : 0);
  const double fp32 = median_ms([&] { conv2d_packed(p, x.data(), w.data(), packed.data(), b.data(), y.data()); }, reps);
  const double bf16 = median_ms([&] { conv2d_bf16_packed(p, x.data(), w.data(), packed_bf.data(), b.data(), yb.data()); }, reps);
  const double i8 = median_ms(
      [&] {
        if (k == 1) {
          const float sx = quantize_activations(m, cin, x.data(), xq.data(), qw.kq);
          gemm_u8s8(m, xq.data(), qw.kq, qw, sx, b.data(), y8.data());
        } else {
          const float sx = quantize_activations(m, cin, x.data(), xq.data(), cin);
          im2col_u8(hw, hw, cin, k, k / 2, xq.data(), col.data(), qw.kq);
          gemm_u8s8(m, col.data(), qw.kq, qw, sx, b.data(), y8.data());
        }
      },
      reps);
  row(name, 2.0 * m * kk * cout / 1e6, fp32, bf16, i8, rel_err(y, y8));
  std::vector<float> yq(m * cout);
  const double q = median_ms([&] { convkit::conv2d_int8(p, x.data(), w.data(), b.data(), yq.data()); }, reps);
  std::vector<float> qpacked(static_cast<size_t>(convkit::conv2d_int8_packed_size(p)));
  convkit::conv2d_int8_prepack(p, w.data(), qpacked.data());
  const double qp = median_ms([&] { convkit::conv2d_int8_packed(p, x.data(), qpacked.data(), b.data(), yq.data()); }, reps);
  std::printf("%-9s convkit::conv2d_int8: %.3f ms (%.2fx fp32), prepacked %.3f ms (%.2fx), error %.1e\n", name, q,
              fp32 / q, qp, fp32 / qp, rel_err(y, yq));
}

void gemm_case(const char* name, int64_t m, int64_t n, int64_t k, int reps) {
  using namespace convkit;
  std::vector<float> a = random_vec(m * k, 4, 0.0f, 1.0f), bm = random_vec(k * n, 5, -0.1f, 0.1f), c(m * n),
                     c8(m * n), cb(m * n);
  std::vector<float> bp(sgemm_packed_b_size(n, k)), bbp(sbgemm_packed_b_size(n, k));
  sgemm_pack_b(false, n, k, bm.data(), n, bp.data());
  sbgemm_pack_b(false, n, k, bm.data(), n, bbp.data());
  const qweights qw = quantize_weights(k, n, bm.data());
  std::vector<uint8_t> aq(m * qw.kq);
  const double fp32 = median_ms(
      [&] { sgemm_prepacked(false, false, m, n, k, 1.0f, a.data(), k, bm.data(), n, bp.data(), 0.0f, c.data(), n); }, reps);
  const double bf16 = median_ms(
      [&] { sbgemm_prepacked_b(false, false, m, n, k, 1.0f, a.data(), k, bm.data(), n, bbp.data(), 0.0f, cb.data(), n); }, reps);
  const double i8 = median_ms(
      [&] {
        const float sx = quantize_activations(m, k, a.data(), aq.data(), qw.kq);
        gemm_u8s8(m, aq.data(), qw.kq, qw, sx, nullptr, c8.data());
      },
      reps);
  row(name, 2.0 * m * n * k / 1e6, fp32, bf16, i8, rel_err(c, c8));
  std::vector<float> cq(m * n);
  const double q = median_ms([&] { convkit::qgemm(false, false, m, n, k, 1.0f, a.data(), k, bm.data(), n, 0.0f, cq.data(), n); }, reps);
  const double qt = median_ms([&] { convkit::qgemm(false, true, m, n, k, 1.0f, a.data(), k, bm.data(), k, 0.0f, cq.data(), n); }, reps);
  std::printf("%-9s convkit::qgemm (B per call): %.3f ms (%.2fx fp32), transB %.3f ms\n", name, q, fp32 / q, qt);
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 50;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--reps") == 0) reps = std::max(1, std::atoi(argv[i + 1]));
  }
  if (!__builtin_cpu_supports("avx512vnni") || !__builtin_cpu_supports("avx512bw")) {
    std::printf("int8-probe: this CPU has no AVX512_VNNI; nothing to measure\n");
    return 0;
  }
  convkit::set_num_threads(1);
  std::printf("int8-probe, 1 thread, medians of %d runs; ms, fp32/x time ratios, GFLOP/s (of the fp32 op count), "
              "int8 error = max |int8 - fp32| / max |fp32|\n", reps);
  std::printf("%-9s %9s %9s %9s  %7s %7s   %5s %5s %5s   %s\n", "workload", "fp32", "bf16", "int8", "bf16", "int8",
              "fp32", "bf16", "int8", "int8 err");
  gemm_case("sq1024", 1024, 1024, 1024, reps);
  gemm_case("fc_b64", 64, 4096, 1024, reps);
  conv_case("r1x1_56", 56, 256, 64, 1, reps);
  conv_case("r3x3_56", 56, 64, 64, 3, reps);
  conv_case("r3x3_14", 14, 256, 256, 3, reps);
  return 0;
}
