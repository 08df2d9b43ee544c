// conv2d on int8 operands (convkit/conv2d.h, conv2d_int8): the int8 GEMM's dynamic
// quantization (convkit/qgemm.h) with x as A (one scale for the whole tensor) and each output
// channel's filter as a column of B (its own scale), then conv2d's fp32 epilogue.
//   x -> u8 NHWC once (NCHW planes scattered into channels), the zero point 128 for padding;
//   w -> per group, filters in (kh, kw, ci) order quantized into B panels (NCHW filters
//        reordered first);
//   per image and chunk of output positions: an im2col of u8 rows (kq bytes each), then the
//   GEMM's tiles into y (NHWC: in place, row stride Cout; NCHW: a tile, then its planes);
//   1x1 stride-1 unpadded NHWC of one group with Cin a multiple of 4 reads x's u8 rows in place.
// Then bias, residual and activation by the conv config's epilogue rows, as the fp32 paths.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "configs/conv2d-config.h"
#include "conv2d/y-slice.h"
#include "convkit/conv2d.h"
#include "convkit/last-path.h"
#include "convkit/parallel.h"
#include "convkit/qgemm.h"
#include "gemm/qgemm-internal.h"
#include "util/workspace.h"

namespace convkit {
namespace {

thread_local workspace xq_space;   // x as u8 NHWC
thread_local workspace col_space;  // a chunk's im2col rows, or NCHW's output tile
thread_local workspace w_space;    // NCHW filters reordered to (kh, kw, ci)
thread_local workspace qw_space;   // one group's quantized filters

constexpr int64_t kChunkBytes = int64_t{4} << 20;  // im2col rows per chunk: about 4 MB

// Filters as B's columns, in (kh, kw, ci) order: NHWC's own; NCHW's reordered into w_space.
const float* filters_hwc(const conv2d_params& p, const float* w) {
  if (p.data_layout == layout::nhwc) return w;
  const int64_t cout = p.out_channels, cin_g = p.in_channels / p.groups, kk = p.kernel_h * p.kernel_w, kd = kk * cin_g;
  float* wr = w_space.get(static_cast<size_t>(cout * kd));
  for (int64_t o = 0; o < cout; ++o) {
    for (int64_t ci = 0; ci < cin_g; ++ci) {
      for (int64_t t = 0; t < kk; ++t) wr[o * kd + t * cin_g + ci] = w[(o * cin_g + ci) * kk + t];
    }
  }
  return wr;
}

int64_t taps(const conv2d_params& p) { return p.in_channels / p.groups * p.kernel_h * p.kernel_w; }

// conv2d_int8 with each group's quantized filters from `packed` (G blocks of
// quantized_b_floats(cout_g, kd)) or, when it is null, quantized from w here.
bool conv2d_int8_impl(const conv2d_params& p, const float* x, const float* w, const float* packed, const float* b,
                      float* y, const float* r) {
  if (conv2d_y_is_slice(p)) {  // y a channel slice: the plain output, then the copy (y-slice.h)
    bool ok = true;
    through_plain_y(p, y, [&](const conv2d_params& q, float* t) { ok = conv2d_int8_impl(q, x, w, packed, b, t, r); });
    return ok;
  }
  using namespace qgemm_detail;
  const int64_t G = p.groups, cin = p.in_channels, cin_g = cin / G, cout = p.out_channels, cout_g = cout / G;
  const int64_t KH = p.kernel_h, KW = p.kernel_w, kd = KH * KW * cin_g, kq = quads(kd);
  if (kd > kQgemmMaxK) return false;
  const int64_t N = p.batch, H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width, P = OH * OW;
  const bool nhwc = p.data_layout == layout::nhwc;
  note_conv_path(conv_path::int8_gemm);

  // x: one scale, then u8 NHWC.
  const int64_t nx = N * cin * H * W;
  const float sx = scale_of(absmax(nx, x));
  uint8_t* xq = reinterpret_cast<uint8_t*>(xq_space.get(static_cast<size_t>(nx / 4 + 1)));
  if (nhwc) {
    parallel_for_large((nx + 4095) / 4096, nx, int64_t{1} << 16, [&](int64_t lo, int64_t hi) {
      const int64_t i0 = lo * 4096, i1 = std::min(nx, hi * 4096);
      quantize(i1 - i0, x + i0, sx, 128, xq + i0);
    });
  } else {
    parallel_for_large(N * cin, nx, int64_t{1} << 16, [&](int64_t lo, int64_t hi) {
      std::vector<uint8_t> plane(static_cast<size_t>(H * W));
      for (int64_t nc = lo; nc < hi; ++nc) {
        const int64_t n = nc / cin, c = nc % cin;
        quantize(H * W, x + nc * H * W, sx, 128, plane.data());
        uint8_t* dst = xq + n * H * W * cin + c;
        for (int64_t i = 0; i < H * W; ++i) dst[i * cin] = plane[i];
      }
    });
  }

  const float* wk = packed == nullptr ? filters_hwc(p, w) : nullptr;
  const int64_t group_floats = quantized_b_floats(cout_g, kd);
  const bool fused = nhwc && epilogue_fused();

  const bool direct = nhwc && G == 1 && KH == 1 && KW == 1 && p.stride_h == 1 && p.stride_w == 1 &&
                      p.pad_top == 0 && p.pad_bottom == 0 && p.pad_left == 0 && p.pad_right == 0 && kq == cin;
  const int64_t chunk = std::min<int64_t>(P, std::max<int64_t>(96, kChunkBytes / std::max<int64_t>(kq, 1) / 96 * 96));
  std::vector<float> dq(static_cast<size_t>((cout_g + kPanel - 1) / kPanel * kPanel));
  for (int64_t g = 0; g < G; ++g) {
    const quantized_b qb = packed != nullptr ? quantized_b_at(cout_g, kd, packed + g * group_floats)
                                             : quantize_b(true, cout_g, kd, wk + g * cout_g * kd, kd, qw_space);
    for (size_t j = 0; j < dq.size(); ++j) dq[j] = sx * qb.scale[j];
    for (int64_t n = 0; n < N; ++n) {
      for (int64_t q0 = 0; q0 < P; q0 += chunk) {
        const int64_t rows = std::min(chunk, P - q0);
        // col_space: the im2col rows (none when direct), then NCHW's output tile [rows][cout_g].
        const int64_t col_floats = direct ? 0 : (rows * kq + 63) / 64 * 16;
        float* space = col_space.get(static_cast<size_t>(col_floats + (nhwc ? 0 : rows * cout_g) + 1));
        float* tile = space + col_floats;
        const uint8_t* a = xq + (n * P + q0) * cin;  // direct: x's rows are the positions
        if (!direct) {
          uint8_t* col = reinterpret_cast<uint8_t*>(space);
          parallel_for_large(rows, rows * kq, int64_t{1} << 16, [&](int64_t lo, int64_t hi) {
            for (int64_t i = lo; i < hi; ++i) {
              const int64_t oh = (q0 + i) / OW, ow = (q0 + i) % OW;
              uint8_t* row = col + i * kq;
              for (int64_t kh = 0; kh < KH; ++kh) {
                const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dilation_h;
                for (int64_t kw = 0; kw < KW; ++kw) {
                  const int64_t iw = ow * p.stride_w - p.pad_left + kw * p.dilation_w;
                  uint8_t* dst = row + (kh * KW + kw) * cin_g;
                  if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
                    std::memset(dst, 128, static_cast<size_t>(cin_g));
                  } else {
                    std::memcpy(dst, xq + ((n * H + ih) * W + iw) * cin + g * cin_g, static_cast<size_t>(cin_g));
                  }
                }
              }
              std::memset(row + kd, 128, static_cast<size_t>(kq - kd));
            }
          });
          a = col;
        }
        if (nhwc) {
          // The epilogue in the tiles where the kernel has it: y written once.
          const int64_t at = (n * P + q0) * cout + g * cout_g;
          if (fused) {
            tiles(rows, a, kq, qb, dq.data(), y + at, cout, 1.0f, 0.0f, p.has_bias ? b + g * cout_g : nullptr,
                  r != nullptr ? r + at : nullptr, p.act);
          } else {
            tiles(rows, a, kq, qb, dq.data(), y + at, cout, 1.0f, 0.0f);
          }
        } else {
          tiles(rows, a, kq, qb, dq.data(), tile, cout_g, 1.0f, 0.0f);
          for (int64_t o = 0; o < cout_g; ++o) {
            float* plane = y + (n * cout + g * cout_g + o) * P + q0;
            for (int64_t i = 0; i < rows; ++i) plane[i] = tile[i * cout_g + o];
          }
        }
      }
    }
  }

  if (!fused && (p.has_bias || r != nullptr || p.act != activation::none)) {
    const auto rows_fn = get_conv2d_config().epilogue_rows;
    const float* bias = p.has_bias ? b : nullptr;
    if (nhwc) {
      parallel_for_large(N * P, N * P * cout, int64_t{1} << 16, [&](int64_t lo, int64_t hi) {
        rows_fn(y + lo * cout, hi - lo, cout, cout, bias, false, r != nullptr ? r + lo * cout : nullptr, p.act);
      });
    } else {
      parallel_for_large(N * cout, N * cout * P, int64_t{1} << 16, [&](int64_t lo, int64_t hi) {
        for (int64_t nc = lo; nc < hi; ++nc) {
          rows_fn(y + nc * P, 1, P, P, bias != nullptr ? bias + nc % cout : nullptr, true,
                  r != nullptr ? r + nc * P : nullptr, p.act);
        }
      });
    }
  }
  return true;
}

}  // namespace

bool conv2d_int8(const conv2d_params& p, const float* x, const float* w, const float* b, float* y, const float* r) {
  return conv2d_int8_impl(p, x, w, nullptr, b, y, r);
}

int64_t conv2d_int8_packed_size(const conv2d_params& p) {
  if (taps(p) > kQgemmMaxK) return 0;
  return p.groups * qgemm_detail::quantized_b_floats(p.out_channels / p.groups, taps(p));
}

void conv2d_int8_prepack(const conv2d_params& p, const float* w, float* packed) {
  if (taps(p) > kQgemmMaxK) return;
  const int64_t cout_g = p.out_channels / p.groups, kd = taps(p);
  const float* wk = filters_hwc(p, w);
  for (int64_t g = 0; g < p.groups; ++g) {
    qgemm_detail::quantize_b_into(true, cout_g, kd, wk + g * cout_g * kd, kd,
                                  packed + g * qgemm_detail::quantized_b_floats(cout_g, kd));
  }
}

bool conv2d_int8_packed(const conv2d_params& p, const float* x, const float* packed, const float* b, float* y,
                        const float* r) {
  return conv2d_int8_impl(p, x, nullptr, packed, b, y, r);
}

}  // namespace convkit
