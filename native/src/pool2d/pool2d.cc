// Pooling driver: picks the kernels the config holds (configs/pool2d-config.h), splits the
// work into tasks and hands each task to its kernel. One pass, vectorized across the
// contiguous dimension:
//   NCHW: a task per (n, c) plane.
//   NHWC: a task per (n, oh) output row (forward), per (n, ih) input row (AVX-512 avg
//         backward) or per image x 64-channel block (the other backward kernels).
// Backward tasks own disjoint dx cells, so no two threads write the same cell, and each cell
// sums its windows in output scan order.
// Max: padded cells never win (-inf start); NaN wins and stays, like PyTorch.
// Avg (dilation 1): PyTorch's divisor (pool-window.h); float sums that overflow are redone
// in double (avg_fix_*, pool2d-clamped.h): a task's outputs are fixed up only when the
// thread's overflow flag went up while its kernels ran (util/fp-overflow.h), so the kernels
// spend nothing per vector on it.
// Geometries far larger than the input (compact_geometry false) take the clamped loops.
// Global pooling: global-pool2d.cc.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "configs/pool2d-config.h"
#include "convkit/last-path.h"
#include "convkit/pool2d.h"
#include "pool2d/pool-for.h"
#include "pool2d/pool-window.h"
#include "pool2d/pool2d-clamped.h"
#include "util/fp-overflow.h"
#include "util/workspace.h"

namespace convkit {
namespace {

// A per-thread scratch buffer of at least n floats (row buffers of the kernels; contents
// unspecified), in the thread's workspace arena (util/workspace.h).
thread_local workspace scratch_space;
float* scratch(int64_t n) { return scratch_space.get(static_cast<size_t>(n)); }

// Scratch floats a kernel asks for (none when its slot has no scratch function).
int64_t scratch_need(f32_pool_scratch_fn fn, const pool2d_params& p) { return fn ? fn(p) : 0; }

// The avg tables of ukernels.h: every output column's window, reciprocal divisors (one row per
// distinct row divisor) and, for the backward, the output columns each input column receives.
struct avg_tables {
  std::vector<axis_window> out_cols;
  std::vector<float> inv;
  std::vector<int32_t> row_of, col_lo, col_cnt;
  int32_t max_cnt = 0;

  avg_tables() = default;  // empty: max pooling reads none of it
  explicit avg_tables(const pool2d_params& p, bool backward) {
    const int64_t OH = p.out_height, OW = p.out_width;
    std::vector<float> cdiv(static_cast<size_t>(OW)), rdivs;
    out_cols.resize(static_cast<size_t>(OW));
    for (int64_t ow = 0; ow < OW; ++ow) {
      const axis_window a = avg_window(ow, p.stride_w, p.pad_left, p.pad_right, p.kernel_w, p.in_width);
      out_cols[ow] = a;
      cdiv[ow] = static_cast<float>(p.count_include_pad ? a.span : a.hi - a.lo);
    }
    row_of.resize(static_cast<size_t>(OH));
    for (int64_t oh = 0; oh < OH; ++oh) {
      const axis_window a = avg_window(oh, p.stride_h, p.pad_top, p.pad_bottom, p.kernel_h, p.in_height);
      const float r = static_cast<float>(p.count_include_pad ? a.span : a.hi - a.lo);
      size_t k = 0;
      while (k < rdivs.size() && rdivs[k] != r) ++k;
      if (k == rdivs.size()) {
        rdivs.push_back(r);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const float d = r * cdiv[ow];
          inv.push_back(d > 0.0f ? 1.0f / d : 0.0f);
        }
      }
      row_of[oh] = static_cast<int32_t>(k);
    }
    if (!backward) return;
    const int64_t W = p.in_width;
    col_lo.resize(static_cast<size_t>(W));
    col_cnt.resize(static_cast<size_t>(W));
    for (int64_t iw = 0; iw < W; ++iw) {
      const int64_t a = iw + p.pad_left - p.kernel_w + 1;
      const int64_t lo = a <= 0 ? 0 : (a + p.stride_w - 1) / p.stride_w;
      const int64_t hi = std::min(OW, (iw + p.pad_left) / p.stride_w + 1);
      col_lo[iw] = static_cast<int32_t>(lo);
      col_cnt[iw] = static_cast<int32_t>(std::max<int64_t>(0, hi - lo));
      max_cnt = std::max(max_cnt, col_cnt[iw]);
    }
  }
  avg_inverse inverse() const { return {inv.data(), row_of.data(), out_cols.data()}; }
  avg_columns columns() const { return {col_lo.data(), col_cnt.data(), max_cnt}; }
};

// The calling thread's last avg tables, reused while the geometry stays the same (a model calls
// one pool shape over and over): building them is a handful of small allocations, which cost
// more than pooling a tiny input. Only this thread rebuilds them, and only between its calls
// (the pool workers of a call read them until that call returns).
const avg_tables& avg_tables_for(const pool2d_params& p, bool backward) {
  struct cached {
    bool valid = false, count_include_pad = false;
    int64_t key[12] = {};
    avg_tables tables;
  };
  thread_local cached slots[2];  // forward and backward tables (training alternates them)
  cached& c = slots[backward ? 1 : 0];
  const int64_t key[12] = {p.in_height, p.in_width, p.out_height, p.out_width, p.kernel_h, p.kernel_w,
                           p.stride_h, p.stride_w, p.pad_top, p.pad_bottom, p.pad_left, p.pad_right};
  if (!c.valid || c.count_include_pad != p.count_include_pad ||
      !std::equal(key, key + 12, c.key)) {
    c.valid = false;  // stays so if the build throws (bad_alloc)
    c.tables = avg_tables(p, backward);
    std::copy(key, key + 12, c.key);
    c.count_include_pad = p.count_include_pad;
    c.valid = true;
  }
  return c.tables;
}

// Forward, max or avg: tasks are planes (NCHW) or output rows (NHWC).
template <bool kMax>
void pool_forward(const pool2d_params& p, const float* x, float* y) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width, C = p.channels;
  const pool2d_config& cfg = get_pool2d_config();
  note_pool_path(kMax ? cfg.maxpool.path(p.data_layout) : cfg.avgpool.path(p.data_layout));
  if (p.batch * C * OH * OW == 0) return;
  const avg_inverse d = kMax ? avg_inverse{} : avg_tables_for(p, false).inverse();
  if (p.data_layout == layout::nchw) {
    const int64_t need = scratch_need(cfg.fwd_nchw_scratch, p);
    pool_for(p.batch * C, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
      float* buf = scratch(need);
      if (kMax) {
        for (int64_t t = lo; t < hi; ++t) cfg.maxpool.nchw(p, x + t * H * W, y + t * OH * OW, buf);
        return;
      }
      const fp_overflow_watch overflow;
      for (int64_t t = lo; t < hi; ++t) cfg.avgpool.nchw(p, d, x + t * H * W, y + t * OH * OW, buf);
      if (!overflow.raised()) return;
      for (int64_t t = lo; t < hi; ++t) avg_fix_plane(p, x + t * H * W, y + t * OH * OW);
    });
  } else {
    const int64_t need = scratch_need(cfg.fwd_nhwc_scratch, p);
    pool_for(p.batch * OH, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
      float* buf = scratch(need);
      if (kMax) {
        for (int64_t t = lo; t < hi; ++t) cfg.maxpool.nhwc(p, x + (t / OH) * H * W * C, t % OH, y + t * OW * C, buf);
        return;
      }
      const fp_overflow_watch overflow;
      for (int64_t t = lo; t < hi; ++t) cfg.avgpool.nhwc(p, d, x + (t / OH) * H * W * C, t % OH, y + t * OW * C, buf);
      if (!overflow.raised()) return;
      for (int64_t t = lo; t < hi; ++t) avg_fix_row_nhwc(p, x + (t / OH) * H * W * C, t % OH, y + t * OW * C);
    });
  }
}

// Max backward for windows that tile the input (maxpool_backward_is_2x2s2): every dx cell
// written once. Tasks are planes (NCHW) or output rows (NHWC).
void max_backward_2x2s2(const pool2d_params& p, const float* dy, const float* x, float* dx) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width, C = p.channels;
  const auto& k = get_pool2d_config().maxpool_backward_2x2s2;
  note_pool_path(k.path(p.data_layout));
  if (p.data_layout == layout::nchw) {
    pool_for(p.batch * C, max_bwd_bytes(p), [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) k.nchw(p, dy + t * OH * OW, x + t * H * W, dx + t * H * W);
    });
  } else {
    pool_for(p.batch * OH, max_bwd_bytes(p), [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t n = t / OH;
        k.nhwc(p, dy + n * OH * OW * C, x + n * H * W * C, t % OH, dx + n * H * W * C);
      }
    });
  }
}

// Max backward, any window: tasks are planes (NCHW) or images x 64-channel blocks (NHWC).
using maxpool_backward_kernels = pool_kernels<f32_maxpool_backward_nchw_fn, f32_maxpool_backward_nhwc_fn>;
void max_backward(const maxpool_backward_kernels& k, f32_pool_scratch_fn scratch_fn, const pool2d_params& p,
                  const float* dy, const float* x, float* dx) {
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width, C = p.channels;
  note_pool_path(k.path(p.data_layout));
  if (p.data_layout == layout::nchw) {
    const int64_t need = scratch_need(scratch_fn, p);
    pool_for(p.batch * C, max_bwd_bytes(p), [&](int64_t lo, int64_t hi) {
      float* buf = scratch(need);
      for (int64_t t = lo; t < hi; ++t) k.nchw(p, dy + t * OH * OW, x + t * H * W, dx + t * H * W, buf);
    });
  } else {
    const int64_t blocks = (C + kPoolChannelBlock - 1) / kPoolChannelBlock;
    pool_for(p.batch * blocks, max_bwd_bytes(p), [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t n = t / blocks, c0 = (t % blocks) * kPoolChannelBlock;
        k.nhwc(p, dy + n * OH * OW * C, x + n * H * W * C, c0, std::min(kPoolChannelBlock, C - c0),
               dx + n * H * W * C);
      }
    });
  }
}

}  // namespace

void max_pool2d(const pool2d_params& p, const float* x, float* y) {
  if (!compact_geometry(p)) {
    note_pool_path(pool_path::clamped);
    return max_pool2d_clamped(p, x, y);
  }
  pool_forward<true>(p, x, y);
}

void avg_pool2d(const pool2d_params& p, const float* x, float* y) {
  if (!compact_geometry(p)) {
    note_pool_path(pool_path::clamped);
    return avg_pool2d_clamped(p, x, y);
  }
  pool_forward<false>(p, x, y);
}

void max_pool2d_backward(const pool2d_params& p, const float* dy, const float* x, float* dx) {
  if (!compact_geometry(p)) {
    note_pool_path(pool_path::clamped);
    return max_pool2d_backward_clamped(p, dy, x, dx);
  }
  const pool2d_config& cfg = get_pool2d_config();
  const bool has_2x2s2 = p.data_layout == layout::nchw ? cfg.maxpool_backward_2x2s2.nchw != nullptr
                                                      : cfg.maxpool_backward_2x2s2.nhwc != nullptr;
  if (has_2x2s2 && maxpool_backward_is_2x2s2(p) && p.out_height > 0 && p.out_width > 0) {
    return max_backward_2x2s2(p, dy, x, dx);
  }
  const bool has_general = p.data_layout == layout::nchw ? cfg.maxpool_backward.nchw != nullptr
                                                        : cfg.maxpool_backward.nhwc != nullptr;
  if (has_general && (!cfg.maxpool_backward_supports || cfg.maxpool_backward_supports(p))) {
    return max_backward(cfg.maxpool_backward, cfg.maxpool_backward_scratch, p, dy, x, dx);
  }
  max_backward(cfg.maxpool_backward_any, nullptr, p, dy, x, dx);
}

// Avg backward: tasks are planes (NCHW), input rows or images x 64-channel blocks (NHWC).
void avg_pool2d_backward(const pool2d_params& p, const float* dy, float* dx) {
  if (!compact_geometry(p)) {
    note_pool_path(pool_path::clamped);
    return avg_pool2d_backward_clamped(p, dy, dx);
  }
  const int64_t H = p.in_height, W = p.in_width, OH = p.out_height, OW = p.out_width, C = p.channels;
  const pool2d_config& cfg = get_pool2d_config();
  note_pool_path(p.data_layout == layout::nchw ? cfg.avgpool_backward_nchw_path : cfg.avgpool_backward_nhwc_path);
  const avg_tables& tables = avg_tables_for(p, true);
  const avg_inverse d = tables.inverse();
  const avg_columns cols = tables.columns();
  const int64_t need = scratch_need(cfg.avgpool_backward_scratch, p);
  if (p.data_layout == layout::nchw) {
    pool_for(p.batch * C, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
      float* buf = scratch(need);
      for (int64_t t = lo; t < hi; ++t) cfg.avgpool_backward_nchw(p, d, cols, dy + t * OH * OW, dx + t * H * W, buf);
    });
  } else if (cfg.avgpool_backward_nhwc_row) {
    pool_for(p.batch * H, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
      float* buf = scratch(need);
      for (int64_t t = lo; t < hi; ++t) {
        cfg.avgpool_backward_nhwc_row(p, d, cols, dy + (t / H) * OH * OW * C, t % H, dx + t * W * C, buf);
      }
    });
  } else {
    const int64_t blocks = (C + kPoolChannelBlock - 1) / kPoolChannelBlock;
    pool_for(p.batch * blocks, fwd_bytes(p), [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t n = t / blocks, c0 = (t % blocks) * kPoolChannelBlock;
        cfg.avgpool_backward_nhwc_block(p, d, cols, dy + n * OH * OW * C, c0, std::min(kPoolChannelBlock, C - c0),
                                        dx + n * H * W * C);
      }
    });
  }
}

}  // namespace convkit
