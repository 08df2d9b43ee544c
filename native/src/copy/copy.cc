// Strided copy and padding (convkit/copy.h). The copy first drops unit dimensions and merges
// those that are contiguous on both sides, then takes the first shape that applies:
//   rows:      the last dimension contiguous in x and y -> memcpy per row (concat, split,
//              slices with step 1);
//   transpose: y's last dimension contiguous and another one contiguous in x (NCHW <-> NHWC,
//              any perm that moves the innermost axis) -> tiles of 32 (along y's rows) x 128
//              (along x's rows) through the config's tile kernel, so reads and writes both go
//              along rows, x's in runs of 512 bytes (32 x 32 tiles read 128-byte runs from as
//              many rows far apart: NCHW -> NHWC ran at 2/3 the speed, bench --only norm);
//   general:   element by element along the last dimension.
// Work is split over threads by outer rows (or tile rows) once the copy is large.
#include <algorithm>
#include <cstring>

#include "configs/copy-config.h"
#include "convkit/copy.h"
#include "convkit/parallel.h"

namespace convkit {
namespace {

// Elements per task worth another thread (256 KB, as elementwise.cc's, which says why): the
// rows of a Concat or a slice are split as the layer before split its output, so each thread
// copies what it wrote. SqueezeNet 1.1's 8 NHWC channel Concats at batch 1, 2 threads: 0.49 ms
// on one thread, 0.42 split (one pair of processes, the VM in its slow placement).
constexpr int64_t kGrain = int64_t{1} << 16;
constexpr int64_t kTileI = 32;   // transpose tile along y's contiguous (last) dimension
constexpr int64_t kTileT = 128;  // and along x's contiguous dimension

struct dims {
  int r = 0;
  int64_t n[kMaxCopyRank], xs[kMaxCopyRank], ys[kMaxCopyRank];
};

// Calls f(x offset, y offset) for outer rows [lo, hi) of d (row-major over its r dims).
template <class F>
void walk(const dims& d, int64_t lo, int64_t hi, F f) {
  if (lo >= hi) return;
  int64_t idx[kMaxCopyRank] = {0};
  int64_t xo = 0, yo = 0, t = lo;
  for (int k = d.r - 1; k >= 0; --k) {
    idx[k] = t % d.n[k];
    t /= d.n[k];
    xo += idx[k] * d.xs[k];
    yo += idx[k] * d.ys[k];
  }
  for (int64_t i = lo; i < hi; ++i) {
    f(xo, yo);
    for (int k = d.r - 1; k >= 0; --k) {
      if (++idx[k] < d.n[k]) {
        xo += d.xs[k];
        yo += d.ys[k];
        break;
      }
      idx[k] = 0;
      xo -= (d.n[k] - 1) * d.xs[k];
      yo -= (d.n[k] - 1) * d.ys[k];
    }
  }
}

int64_t count(const dims& d) {
  int64_t c = 1;
  for (int k = 0; k < d.r; ++k) c *= d.n[k];
  return c;
}

template <class F>
void run_rows(int64_t rows, int64_t elements, F f) {
  if (rows > 1 && elements >= 2 * kGrain) {
    parallel_for(rows, [&](int64_t lo, int64_t hi) { f(lo, hi); });
  } else {
    f(0, rows);
  }
}

}  // namespace

void copy_extent(const strided_copy_params& p, bool of_y, int64_t& lo, int64_t& hi) {
  lo = of_y ? p.y_offset : p.x_offset;
  hi = lo;
  for (int k = 0; k < p.rank; ++k) {
    if (p.shape[k] <= 0) {
      lo = 1;
      hi = 0;
      return;
    }
    const int64_t span = (p.shape[k] - 1) * (of_y ? p.y_strides[k] : p.x_strides[k]);
    (span < 0 ? lo : hi) += span;
  }
}

void copy_strided(const float* x, float* y, const strided_copy_params& p) {
  dims d;
  for (int k = 0; k < p.rank; ++k) {
    if (p.shape[k] == 0) return;
    if (p.shape[k] == 1) continue;
    if (d.r > 0 && d.xs[d.r - 1] == p.x_strides[k] * p.shape[k] && d.ys[d.r - 1] == p.y_strides[k] * p.shape[k]) {
      d.n[d.r - 1] *= p.shape[k];  // contiguous with the previous dimension on both sides
      d.xs[d.r - 1] = p.x_strides[k];
      d.ys[d.r - 1] = p.y_strides[k];
      continue;
    }
    d.n[d.r] = p.shape[k];
    d.xs[d.r] = p.x_strides[k];
    d.ys[d.r] = p.y_strides[k];
    ++d.r;
  }
  x += p.x_offset;
  y += p.y_offset;
  if (d.r == 0) {
    y[0] = x[0];
    return;
  }
  const int last = d.r - 1;
  const int64_t total = count(d), w = d.n[last];
  dims outer = d;
  outer.r = last;
  if (d.xs[last] == 1 && d.ys[last] == 1) {
    run_rows(total / w, total, [&](int64_t lo, int64_t hi) {
      walk(outer, lo, hi, [&](int64_t xo, int64_t yo) {
        std::memcpy(y + yo, x + xo, static_cast<size_t>(w) * sizeof(float));
      });
    });
    return;
  }
  int j = -1;
  for (int k = 0; k < last; ++k) {
    if (d.xs[k] == 1 && d.ys[k] > 0) j = k;
  }
  if (d.ys[last] == 1 && d.xs[last] > 0 && j >= 0) {
    // Tiles of [i over the last dim (y contiguous)] x [t over dim j (x contiguous)].
    const f32_transpose_tile_fn tile = get_copy_config().transpose_tile;
    dims rest;
    for (int k = 0; k < last; ++k) {
      if (k == j) continue;
      rest.n[rest.r] = d.n[k];
      rest.xs[rest.r] = d.xs[k];
      rest.ys[rest.r] = d.ys[k];
      ++rest.r;
    }
    const int64_t nj = d.n[j], tj = (nj + kTileT - 1) / kTileT, ldx = d.xs[last], ldy = d.ys[j];
    run_rows(count(rest) * tj, total, [&](int64_t lo, int64_t hi) {
      for (int64_t task = lo; task < hi; ++task) {
        const int64_t t0 = (task % tj) * kTileT, nt = std::min(kTileT, nj - t0);
        walk(rest, task / tj, task / tj + 1, [&](int64_t xo, int64_t yo) {
          for (int64_t i0 = 0; i0 < w; i0 += kTileI) {
            tile(x + xo + i0 * ldx + t0, ldx, y + yo + t0 * ldy + i0, ldy, std::min(kTileI, w - i0), nt);
          }
        });
      }
    });
    return;
  }
  const int64_t sx = d.xs[last], sy = d.ys[last];
  run_rows(total / w, total, [&](int64_t lo, int64_t hi) {
    walk(outer, lo, hi, [&](int64_t xo, int64_t yo) {
      const float* xr = x + xo;
      float* yr = y + yo;
      for (int64_t i = 0; i < w; ++i) yr[i * sy] = xr[i * sx];
    });
  });
}

void pad(const float* x, float* y, const pad_params& p) {
  const int r = p.rank;
  if (r <= 0) return;
  int64_t out[kMaxCopyRank], xstr[kMaxCopyRank];
  int64_t total = 1;
  for (int k = 0; k < r; ++k) {
    out[k] = p.in_shape[k] + p.begin[k] + p.end[k];
    total *= out[k];
  }
  if (total <= 0) return;
  xstr[r - 1] = 1;
  for (int k = r - 2; k >= 0; --k) xstr[k] = xstr[k + 1] * p.in_shape[k + 1];
  // The input index that output index o of dimension k reads, or -1 (constant fill).
  auto source = [&](int k, int64_t o) -> int64_t {
    const int64_t n = p.in_shape[k];
    int64_t i = o - p.begin[k];
    if (i >= 0 && i < n) return i;
    if (p.mode == pad_mode::constant) return -1;
    if (p.mode == pad_mode::edge) return i < 0 ? 0 : n - 1;
    return i < 0 ? -i : 2 * (n - 1) - i;  // reflect (pads < n, checked by the callers)
  };
  const int64_t w = out[r - 1], win = p.in_shape[r - 1], b = p.begin[r - 1];
  const int64_t lo_in = std::max<int64_t>(0, -b), hi_in = std::min<int64_t>(win, w - b);  // copied run of x
  const float v = p.value;
  run_rows(total / w, total, [&](int64_t lo, int64_t hi) {
    for (int64_t row = lo; row < hi; ++row) {
      float* yr = y + row * w;
      int64_t t = row, xo = 0;
      bool fill = false;
      for (int k = r - 2; k >= 0; --k) {
        const int64_t i = source(k, t % out[k]);
        t /= out[k];
        if (i < 0) fill = true;
        xo += i * xstr[k];
      }
      if (fill) {
        std::fill(yr, yr + w, v);
        continue;
      }
      const float* xr = x + xo;
      // The run of y that copies x as is: [first, end); the rest is mapped one by one.
      const bool run = hi_in > lo_in;
      const int64_t first = run ? lo_in + b : w, end = run ? hi_in + b : w;
      if (run) std::memcpy(yr + first, xr + lo_in, static_cast<size_t>(end - first) * sizeof(float));
      for (int64_t o = 0; o < first; ++o) {
        const int64_t i = source(r - 1, o);
        yr[o] = i < 0 ? v : xr[i];
      }
      for (int64_t o = end; o < w; ++o) {
        const int64_t i = source(r - 1, o);
        yr[o] = i < 0 ? v : xr[i];
      }
    }
  });
}

}  // namespace convkit
