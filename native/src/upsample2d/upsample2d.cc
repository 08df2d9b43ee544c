// upsample2d and its gradient: per-axis source tables (PyTorch 1.13's index and weight rules,
// in float) built once per call, then the config's row (NCHW) or pixel (NHWC) kernels, threaded
// over planes (NCHW), output rows (NHWC forward) or images x channel blocks (NHWC backward,
// whose scatter must not race).
#include "convkit/upsample2d.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "configs/upsample2d-config.h"
#include "convkit/parallel.h"

namespace convkit {
namespace {

// Two source rows blended along the width, held by key (image and row): the rows an output
// row reads never go back up, so two slots hold what the next output rows need.
// pair(k0, k1, blend) returns the slots of k0's and k1's rows, filling a slot with
// blend(key, dst) when no slot holds that key.
class two_rows {
 public:
  explicit two_rows(int64_t len) : buf_(static_cast<size_t>(2 * len)), len_(len) {}
  void reset() { held_[0] = held_[1] = -1, next_ = 0; }
  template <class Blend>
  std::pair<const float*, const float*> pair(int64_t k0, int64_t k1, const Blend& blend) {
    const float* t0 = get(k0, blend);
    if (held_[next_] == k0) next_ ^= 1;  // keep t0's slot for k1's row
    return {t0, get(k1, blend)};
  }

 private:
  template <class Blend>
  const float* get(int64_t key, const Blend& blend) {
    for (int k = 0; k < 2; ++k) {
      if (held_[k] == key) return buf_.data() + k * len_;
    }
    const int k = next_;
    next_ ^= 1;
    held_[k] = key;
    blend(key, buf_.data() + k * len_);
    return buf_.data() + k * len_;
  }
  std::vector<float> buf_;
  int64_t len_;
  int64_t held_[2] = {-1, -1};
  int next_ = 0;
};

constexpr int64_t kGrain = int64_t{1} << 15;  // output elements worth waking a thread
constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;
constexpr int64_t kChannelBlock = 64;

struct axis_taps {
  std::vector<int32_t> i0, i1;
  std::vector<float> w0, w1;
};

// PyTorch's compute_scales_value: 1 / scale when given, else in / out, as float.
float source_scale(double scale, int64_t in, int64_t out) {
  return scale > 0 ? static_cast<float>(1.0 / scale) : static_cast<float>(in) / static_cast<float>(out);
}

axis_taps nearest_taps(int64_t in, int64_t out, double scale) {
  axis_taps t;
  t.i0.resize(out);
  const float s = source_scale(scale, in, out);
  for (int64_t i = 0; i < out; ++i) {
    if (out == in) {
      t.i0[i] = static_cast<int32_t>(i);
    } else if (out == 2 * in) {
      t.i0[i] = static_cast<int32_t>(i >> 1);
    } else {
      const float src = static_cast<float>(i) * s;
      t.i0[i] = static_cast<int32_t>(std::min(static_cast<int64_t>(std::floor(src)), in - 1));
    }
  }
  return t;
}

axis_taps linear_taps(int64_t in, int64_t out, double scale, bool align_corners) {
  axis_taps t;
  t.i0.resize(out);
  t.i1.resize(out);
  t.w0.resize(out);
  t.w1.resize(out);
  const float s = align_corners ? (out > 1 ? static_cast<float>(in - 1) / static_cast<float>(out - 1) : 0.0f)
                                : source_scale(scale, in, out);
  for (int64_t i = 0; i < out; ++i) {
    // area_pixel_compute_source_index: (i + 0.5) is a double there, the result a float.
    const float src = align_corners ? s * static_cast<float>(i)
                                    : static_cast<float>(std::max(s * (static_cast<double>(i) + 0.5) - 0.5, 0.0));
    const int64_t i0 = std::min(static_cast<int64_t>(std::floor(src)), in - 1);
    const float lambda = std::min(std::max(src - static_cast<float>(i0), 0.0f), 1.0f);
    t.i0[i] = static_cast<int32_t>(i0);
    t.i1[i] = static_cast<int32_t>(i0 + (i0 < in - 1 ? 1 : 0));
    t.w1[i] = lambda;
    t.w0[i] = 1.0f - lambda;
  }
  return t;
}

// True when the taps are those of exactly twice the size with align_corners false (what
// linear_row_x2 computes: PyTorch's x2, weights 1/4 and 3/4, clamped at the ends).
bool is_x2(const axis_taps& t, int64_t in) {
  if (static_cast<int64_t>(t.i0.size()) != 2 * in) return false;
  for (int64_t k = 0; k < in; ++k) {
    const int64_t e = 2 * k, o = e + 1, up = std::min(k + 1, in - 1);
    const bool even = k == 0 ? t.i0[e] == 0 && t.i1[e] == up && t.w0[e] == 1.0f && t.w1[e] == 0.0f
                             : t.i0[e] == k - 1 && t.i1[e] == k && t.w0[e] == 0.25f && t.w1[e] == 0.75f;
    if (!even || t.i0[o] != k || t.i1[o] != up || t.w0[o] != 0.75f || t.w1[o] != 0.25f) return false;
  }
  return true;
}

// Runs fn(lo, hi) over [0, tasks), threaded when the whole pass (elements) is large enough.
template <class F>
void run_tasks(int64_t tasks, int64_t elements, F fn) {
  parallel_for_large(tasks, elements, kGrain, fn);
}

// The taps of one axis (in -> out at scale) for p's mode.
axis_taps taps_of(const upsample2d_params& p, int64_t in, int64_t out, double scale) {
  return p.mode == upsample_mode::nearest ? nearest_taps(in, out, scale) : linear_taps(in, out, scale, p.align_corners);
}

// One call: what the forward and the backward pass both start from (the kernels, the sizes,
// p's mode, the taps of both axes for it, the work in output elements that decides threading),
// and the two passes.
struct upsample_pass {
  const upsample2d_params& p;
  const upsample2d_config& cfg = get_upsample2d_config();
  const int64_t C = p.channels, H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width;
  const bool nearest = p.mode == upsample_mode::nearest;
  const axis_taps th = taps_of(p, H, OH, p.scale_h), tw = taps_of(p, W, OW, p.scale_w);
  const int64_t work = p.batch * C * OH * OW;

  void forward(const float* x, float* y) const;
  void backward(const float* dy, float* dx) const;
};

}  // namespace

std::string upsample2d_params_check(const upsample2d_params& p) {
  const int64_t dims[] = {p.batch, p.channels, p.in_height, p.in_width, p.out_height, p.out_width};
  const char* names[] = {"batch", "channels", "inHeight", "inWidth", "outHeight", "outWidth"};
  for (int i = 0; i < 6; ++i) {
    if (dims[i] < 1 || dims[i] > kMaxDim) return std::string(names[i]) + " must be in [1, 2^31 - 1]";
  }
  if (!std::isfinite(p.scale_h) || p.scale_h < 0) return "scaleH must be 0 or a finite positive number";
  if (!std::isfinite(p.scale_w) || p.scale_w < 0) return "scaleW must be 0 or a finite positive number";
  const double nc = static_cast<double>(p.batch) * static_cast<double>(p.channels);
  if (nc * static_cast<double>(p.in_height) * static_cast<double>(p.in_width) >= 9007199254740992.0 ||
      nc * static_cast<double>(p.out_height) * static_cast<double>(p.out_width) >= 9007199254740992.0) {
    return "x or y would have 2^53 elements or more";
  }
  return "";
}

void upsample_pass::forward(const float* x, float* y) const {
  const bool x2 = !nearest && is_x2(tw, W);
  if (x2 && is_x2(th, H)) {
    // Both axes twice: per image (NHWC, pixels of C channels) or plane (NCHW, C = 1) of H rows,
    // the first step writes output row 0, the middle ones row pairs 2k + 1, 2k + 2 (from source
    // rows k, k + 1, bilinear_rows_x2), the last step the last row; the end rows through a
    // blended row in slots.
    // NCHW rows are short: a middle step takes all the plane's pairs in one call.
    const bool nchw = p.data_layout == layout::nchw;
    const int64_t c = nchw ? 1 : C, len = OW * c;
    const int64_t per = nchw ? std::max<int64_t>(H - 1, 1) : 1, steps = 2 + (H - 1 + per - 1) / per;
    run_tasks(p.batch * (nchw ? C : 1) * steps, work, [&](int64_t lo, int64_t hi) {
      std::vector<float> slots(2 * len);
      int64_t img = lo / steps, u = lo % steps - 1;  // stepped, not divided per step (NCHW steps are short)
      for (int64_t task = lo; task < hi; ++task) {
        if (++u == steps) {
          u = 0;
          ++img;
        }
        const float* xi = x + img * H * W * c;
        float* yi = y + img * OH * len;
        if (u == 0) {
          cfg.linear_row_x2(xi, slots.data(), W, c);
          cfg.linear_row_x2(xi + th.i1[0] * W * c, slots.data() + len, W, c);
          cfg.blend_rows(slots.data(), slots.data() + len, th.w0[0], th.w1[0], yi, len);
        } else if (u == steps - 1) {
          cfg.linear_row_x2(xi + (H - 1) * W * c, slots.data(), W, c);
          cfg.blend_rows(slots.data(), slots.data(), th.w0[OH - 1], th.w1[OH - 1], yi + (OH - 1) * len, len);
        } else {
          const int64_t k0 = (u - 1) * per;  // first pair: output rows 2 k0 + 1, 2 k0 + 2
          cfg.bilinear_rows_x2(xi + k0 * W * c, yi + (2 * k0 + 1) * len, std::min(per, H - 1 - k0), W, c);
        }
      }
    });
    return;
  }
  if (p.data_layout == layout::nchw) {
    run_tasks(p.batch * C, work, [&](int64_t lo, int64_t hi) {
      two_rows rows(nearest ? 0 : OW);
      for (int64_t plane = lo; plane < hi; ++plane) {
        const float* xp = x + plane * H * W;
        float* yp = y + plane * OH * OW;
        if (nearest) {
          // A row that reads the same source row as the one before is a copy of it (from L1);
          // twice the width (nearest_taps: i0[j] = j / 2) has its own kernel.
          for (int64_t oh = 0; oh < OH; ++oh) {
            float* yr = yp + oh * OW;
            if (oh > 0 && th.i0[oh] == th.i0[oh - 1]) {
              std::memcpy(yr, yr - OW, sizeof(float) * OW);
            } else if (OW == 2 * W) {
              cfg.nearest_row_x2(xp + th.i0[oh] * W, yr, W);
            } else {
              cfg.nearest_row(xp + th.i0[oh] * W, tw.i0.data(), yr, OW);
            }
          }
          continue;
        }
        // Each source row blended along the width once per plane, not once per output row that
        // reads it (4x fewer gathers at scale 2).
        rows.reset();
        auto blend = [&](int64_t r, float* dst) {
          if (x2) {
            cfg.linear_row_x2(xp + r * W, dst, W, 1);
          } else {
            cfg.linear_row(xp + r * W, tw.i0.data(), tw.i1.data(), tw.w0.data(), tw.w1.data(), dst, OW);
          }
        };
        for (int64_t oh = 0; oh < OH; ++oh) {
          const auto [t0, t1] = rows.pair(th.i0[oh], th.i1[oh], blend);
          cfg.blend_rows(t0, t1, th.w0[oh], th.w1[oh], yp + oh * OW, OW);
        }
      }
    });
    return;
  }
  if (x2) {
    // NHWC at twice the width: as NCHW with pixels of C channels, each source row blended along
    // the width once into a slot (held by image and row), then the two slots blended as flat rows
    // of OW * C (the same products and sums as bilinear_pixel).
    const int64_t len = OW * C;
    run_tasks(p.batch * OH, work, [&](int64_t lo, int64_t hi) {
      two_rows rows(len);
      auto blend = [&](int64_t key, float* dst) { cfg.linear_row_x2(x + key * W * C, dst, W, C); };
      for (int64_t row = lo; row < hi; ++row) {
        const int64_t n = row / OH, oh = row % OH;
        const auto [t0, t1] = rows.pair(n * H + th.i0[oh], n * H + th.i1[oh], blend);
        cfg.blend_rows(t0, t1, th.w0[oh], th.w1[oh], y + row * len, len);
      }
    });
    return;
  }
  run_tasks(p.batch * OH, work, [&](int64_t lo, int64_t hi) {
    for (int64_t row = lo; row < hi; ++row) {
      const int64_t n = row / OH, oh = row % OH;
      const float* xn = x + n * H * W * C;
      float* yr = y + row * OW * C;
      for (int64_t ow = 0; ow < OW; ++ow) {
        if (nearest) {
          std::memcpy(yr + ow * C, xn + (th.i0[oh] * W + tw.i0[ow]) * C, sizeof(float) * C);
        } else {
          const float* r0 = xn + th.i0[oh] * W * C;
          const float* r1 = xn + th.i1[oh] * W * C;
          cfg.bilinear_pixel(r0 + tw.i0[ow] * C, r0 + tw.i1[ow] * C, r1 + tw.i0[ow] * C, r1 + tw.i1[ow] * C,
                             th.w0[oh], th.w1[oh], tw.w0[ow], tw.w1[ow], yr + ow * C, C);
        }
      }
    }
  });
}

void upsample2d(const upsample2d_params& p, const float* x, float* y) { upsample_pass{p}.forward(x, y); }

void upsample_pass::backward(const float* dy, float* dx) const {
  if (p.data_layout == layout::nchw) {
    run_tasks(p.batch * C, work, [&](int64_t lo, int64_t hi) {
      for (int64_t plane = lo; plane < hi; ++plane) {
        const float* gp = dy + plane * OH * OW;
        float* dp = dx + plane * H * W;
        std::fill(dp, dp + H * W, 0.0f);
        for (int64_t oh = 0; oh < OH; ++oh) {
          const float* g = gp + oh * OW;
          if (nearest) {
            float* d = dp + th.i0[oh] * W;
            for (int64_t ow = 0; ow < OW; ++ow) d[tw.i0[ow]] += g[ow];
          } else {
            cfg.bilinear_row_backward(g, th.w0[oh], th.w1[oh], tw.i0.data(), tw.i1.data(), tw.w0.data(),
                                      tw.w1.data(), dp + th.i0[oh] * W, dp + th.i1[oh] * W, OW);
          }
        }
      }
    });
    return;
  }
  const int64_t blocks = (C + kChannelBlock - 1) / kChannelBlock;
  run_tasks(p.batch * blocks, work, [&](int64_t lo, int64_t hi) {
    for (int64_t t = lo; t < hi; ++t) {
      const int64_t n = t / blocks, c0 = (t % blocks) * kChannelBlock, nc = std::min(kChannelBlock, C - c0);
      float* dn = dx + n * H * W * C + c0;
      const float* gn = dy + n * OH * OW * C + c0;
      for (int64_t i = 0; i < H * W; ++i) std::fill(dn + i * C, dn + i * C + nc, 0.0f);
      for (int64_t oh = 0; oh < OH; ++oh) {
        for (int64_t ow = 0; ow < OW; ++ow) {
          const float* g = gn + (oh * OW + ow) * C;
          if (nearest) {
            float* d = dn + (th.i0[oh] * W + tw.i0[ow]) * C;
            for (int64_t k = 0; k < nc; ++k) d[k] += g[k];
          } else {
            float* r0 = dn + th.i0[oh] * W * C;
            float* r1 = dn + th.i1[oh] * W * C;
            cfg.bilinear_pixel_backward(g, th.w0[oh], th.w1[oh], tw.w0[ow], tw.w1[ow], r0 + tw.i0[ow] * C,
                                        r0 + tw.i1[ow] * C, r1 + tw.i0[ow] * C, r1 + tw.i1[ow] * C, nc);
          }
        }
      }
    }
  });
}

void upsample2d_backward(const upsample2d_params& p, const float* dy, float* dx) { upsample_pass{p}.backward(dy, dx); }

}  // namespace convkit
