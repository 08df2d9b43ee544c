// Batch normalization (convkit/norm.h): memory-bound passes over x, each split over threads
// in a fixed way (the sums do not depend on the thread count). NCHW works plane by plane (one
// channel's contiguous spatial run of one image), NHWC on blocks of rows of all channels with
// per-block partial sums; the partials are added in a fixed order in double.
#include <algorithm>
#include <cmath>
#include <vector>

#include "configs/norm-config.h"
#include "convkit/norm.h"
#include "convkit/parallel.h"

namespace convkit {
namespace {

constexpr int64_t kGrain = int64_t{1} << 15;  // elements per task worth waking a thread for

// Runs fn(lo, hi) over [0, tasks), threaded when the whole pass (elements) is large enough.
template <class F>
void run_tasks(int64_t tasks, int64_t elements, F fn) {
  parallel_for_large(tasks, elements, kGrain, fn);
}

// NHWC row blocks: about kGrain elements each, at most 256, fixed by the shape alone.
int64_t row_blocks(int64_t rows, int64_t channels) {
  const int64_t b = std::max<int64_t>(1, rows * channels / kGrain);
  return std::min<int64_t>({b, 256, std::max<int64_t>(rows, 1)});
}

// Per-channel sums of one kind over x (and dy): NCHW plane partials or NHWC block partials,
// added in order. plane(p, &s, &q) / block(r0, r1, s*, q*) add into their accumulators.
template <class Plane, class Block>
void channel_sums(const batch_norm_shape& s, std::vector<double>& sum, std::vector<double>& sq, Plane plane,
                  Block block) {
  const int64_t C = s.channels, total = s.batch * s.channels * s.spatial;
  sum.assign(C, 0.0);
  sq.assign(C, 0.0);
  if (!s.nhwc) {
    const int64_t planes = s.batch * C;
    std::vector<double> ps(planes, 0.0), pq(planes, 0.0);
    run_tasks(planes, total, [&](int64_t lo, int64_t hi) {
      for (int64_t p = lo; p < hi; ++p) plane(p, &ps[p], &pq[p]);
    });
    for (int64_t n = 0; n < s.batch; ++n) {
      for (int64_t c = 0; c < C; ++c) {
        sum[c] += ps[n * C + c];
        sq[c] += pq[n * C + c];
      }
    }
  } else {
    const int64_t rows = s.batch * s.spatial, nb = row_blocks(rows, C);
    std::vector<double> ps(nb * C, 0.0), pq(nb * C, 0.0);
    run_tasks(nb, total, [&](int64_t lo, int64_t hi) {
      for (int64_t b = lo; b < hi; ++b) block(rows * b / nb, rows * (b + 1) / nb, &ps[b * C], &pq[b * C]);
    });
    for (int64_t b = 0; b < nb; ++b) {
      for (int64_t c = 0; c < C; ++c) {
        sum[c] += ps[b * C + c];
        sq[c] += pq[b * C + c];
      }
    }
  }
}

// y-writing pass: NCHW plane(p) over planes, NHWC block(r0, r1) over row blocks.
template <class Plane, class Block>
void channel_pass(const batch_norm_shape& s, Plane plane, Block block) {
  const int64_t total = s.batch * s.channels * s.spatial;
  if (!s.nhwc) {
    run_tasks(s.batch * s.channels, total, [&](int64_t lo, int64_t hi) {
      for (int64_t p = lo; p < hi; ++p) plane(p);
    });
  } else {
    const int64_t rows = s.batch * s.spatial, nb = row_blocks(rows, s.channels);
    run_tasks(nb, total, [&](int64_t lo, int64_t hi) {
      for (int64_t b = lo; b < hi; ++b) block(rows * b / nb, rows * (b + 1) / nb);
    });
  }
}

}  // namespace

void batch_norm_stats(const float* x, float* mean, float* var, const batch_norm_shape& s) {
  const norm_config& k = get_norm_config();
  const int64_t C = s.channels, HW = s.spatial, count = s.batch * HW;
  if (C <= 0) return;
  if (count <= 0) {
    std::fill(mean, mean + C, NAN);
    std::fill(var, var + C, NAN);
    return;
  }
  std::vector<float> shift(C);
  for (int64_t c = 0; c < C; ++c) shift[c] = s.nhwc ? x[c] : x[c * HW];
  std::vector<double> sum, sq;
  channel_sums(
      s, sum, sq, [&](int64_t p, double* a, double* b) { k.moments_row(x + p * HW, HW, shift[p % C], a, b); },
      [&](int64_t r0, int64_t r1, double* a, double* b) {
        k.moments_rows(x + r0 * C, r1 - r0, C, shift.data(), a, b);
      });
  for (int64_t c = 0; c < C; ++c) {
    const double m = sum[c] / static_cast<double>(count);
    mean[c] = static_cast<float>(shift[c] + m);
    var[c] = static_cast<float>(std::max(0.0, sq[c] / static_cast<double>(count) - m * m));
  }
}

void batch_norm_apply(const float* x, const float* scale, const float* shift, float* y,
                      const batch_norm_shape& s) {
  const norm_config& k = get_norm_config();
  const int64_t C = s.channels, HW = s.spatial;
  channel_pass(
      s, [&](int64_t p) { k.apply_row(x + p * HW, y + p * HW, HW, scale[p % C], shift[p % C]); },
      [&](int64_t r0, int64_t r1) { k.apply_rows(x + r0 * C, y + r0 * C, r1 - r0, C, scale, shift); });
}

void batch_norm_backward(const float* dy, const float* x, const float* mean, const float* invstd,
                         const float* scale, float* dx, float* dweight, float* dbias,
                         const batch_norm_shape& s, bool training) {
  const norm_config& k = get_norm_config();
  const int64_t C = s.channels, HW = s.spatial, count = s.batch * HW;
  if (C <= 0) return;
  std::vector<double> sdy, sdyx;
  channel_sums(
      s, sdy, sdyx,
      [&](int64_t p, double* a, double* b) { k.grad_sums_row(dy + p * HW, x + p * HW, HW, mean[p % C], a, b); },
      [&](int64_t r0, int64_t r1, double* a, double* b) {
        k.grad_sums_rows(dy + r0 * C, x + r0 * C, r1 - r0, C, mean, a, b);
      });
  // dx = dy * a + ((x - mean) * b + d) per channel (norm.h's formula, expanded).
  std::vector<float> ca(C), cb(C), cd(C);
  for (int64_t c = 0; c < C; ++c) {
    const double is = invstd[c], kc = static_cast<double>(scale[c]) * is;
    dbias[c] = static_cast<float>(sdy[c]);
    dweight[c] = static_cast<float>(sdyx[c] * is);
    ca[c] = static_cast<float>(kc);
    if (training && count > 0) {
      const double n = static_cast<double>(count);
      const double b = -kc * is * (sdyx[c] * is) / n;
      cb[c] = static_cast<float>(b);
      cd[c] = static_cast<float>(-kc * sdy[c] / n);
    } else {
      cb[c] = 0.0f;
      cd[c] = 0.0f;
    }
  }
  channel_pass(
      s,
      [&](int64_t p) { k.dx_row(dy + p * HW, x + p * HW, dx + p * HW, HW, ca[p % C], cb[p % C], cd[p % C], mean[p % C]);
      },
      [&](int64_t r0, int64_t r1) {
        k.dx_rows(dy + r0 * C, x + r0 * C, dx + r0 * C, r1 - r0, C, ca.data(), cb.data(), cd.data(), mean);
      });
}

}  // namespace convkit
