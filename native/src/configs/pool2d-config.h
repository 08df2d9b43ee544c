// The pooling kernels of this machine, one slot per kernel kind, chosen once per process from
// the active ISA (convkit/isa.h). pool2d.cc asks this table which kernel runs; a null slot
// means that path does not exist here. Every slot of a kind has one contract (below; the
// semantics in pool2d/ukernel/ukernels.h), so a new ISA's kernel is one more case in
// pool2d-config.cc, not a new branch in the driver.
#pragma once
#include <cstdint>

#include "convkit/last-path.h"
#include "convkit/pool2d.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

// Floats of per-thread scratch a kernel needs for p (null slot: none).
using f32_pool_scratch_fn = int64_t (*)(const pool2d_params& p);
// Whether a kernel handles p's window (null: every window the driver sends).
using f32_pool_supports_fn = bool (*)(const pool2d_params& p);

// Forward. NCHW: one plane xc [H, W] -> yc [OH, OW]. NHWC: output row oh of image x_n
// [H, W, C] -> yrow [OW, C]. Avg float sums that overflow are the driver's (util/fp-overflow.h).
using f32_maxpool_nchw_fn = void (*)(const pool2d_params& p, const float* xc, float* yc, float* scratch);
using f32_maxpool_nhwc_fn = void (*)(const pool2d_params& p, const float* x_n, int64_t oh, float* yrow,
                                     float* scratch);
using f32_avgpool_nchw_fn = void (*)(const pool2d_params& p, const avg_inverse& d, const float* xc, float* yc,
                                     float* scratch);
using f32_avgpool_nhwc_fn = void (*)(const pool2d_params& p, const avg_inverse& d, const float* x_n, int64_t oh,
                                     float* yrow, float* scratch);

// Max backward. NCHW: one plane. NHWC: channels [c0, c0 + nc) of one image, nc <= 64.
// 2x2s2 (windows that tile the input): NCHW one plane; NHWC output row oh's two input rows.
using f32_maxpool_backward_nchw_fn = void (*)(const pool2d_params& p, const float* dyc, const float* xc,
                                              float* dxc, float* scratch);
using f32_maxpool_backward_nhwc_fn = void (*)(const pool2d_params& p, const float* dy_n, const float* x_n,
                                              int64_t c0, int64_t nc, float* dx_n);
using f32_maxpool_backward_2x2s2_nchw_fn = void (*)(const pool2d_params& p, const float* dyc, const float* xc,
                                                    float* dxc);
using f32_maxpool_backward_2x2s2_nhwc_fn = void (*)(const pool2d_params& p, const float* dy_n,
                                                    const float* x_n, int64_t oh, float* dx_n);

// Avg backward. NCHW: one plane. NHWC either input row ih of one image (dxrow [W, C]) or
// channels [c0, c0 + nc) of one image, nc <= 64 (two task shapes, two slots).
using f32_avgpool_backward_nchw_fn = void (*)(const pool2d_params& p, const avg_inverse& d,
                                              const avg_columns& cols, const float* dyc, float* dxc,
                                              float* scratch);
using f32_avgpool_backward_nhwc_row_fn = void (*)(const pool2d_params& p, const avg_inverse& d,
                                                  const avg_columns& cols, const float* dy_n, int64_t ih,
                                                  float* dxrow, float* scratch);
using f32_avgpool_backward_nhwc_block_fn = void (*)(const pool2d_params& p, const avg_inverse& d,
                                                    const avg_columns& cols, const float* dy_n, int64_t c0,
                                                    int64_t nc, float* dx_n);

// Global: NCHW y[c] over x[c*hw, c*hw + hw); NHWC y[c] over x[i*channels + c], i < hw.
using f32_gavgpool_fn = void (*)(const float* x, int64_t channels, int64_t hw, float* y);
using f32_gmaxpool_fn = void (*)(const float* x, int64_t channels, int64_t hw, float* y);

// A layout pair of one kind, with the path the test hook reports when it runs.
template <class Nchw, class Nhwc>
struct pool_kernels {
  Nchw nchw;
  Nhwc nhwc;
  pool_path nchw_path, nhwc_path;
  pool_path path(layout l) const { return l == layout::nchw ? nchw_path : nhwc_path; }
};

struct pool2d_config {
  // max_pool2d / avg_pool2d: tasks are NCHW planes or NHWC output rows; max and avg share
  // the scratch sizes (one row buffer).
  f32_pool_scratch_fn fwd_nchw_scratch, fwd_nhwc_scratch;
  pool_kernels<f32_maxpool_nchw_fn, f32_maxpool_nhwc_fn> maxpool;
  pool_kernels<f32_avgpool_nchw_fn, f32_avgpool_nhwc_fn> avgpool;

  // max_pool2d_backward, first that applies: maxpool_backward_2x2s2 (windows that tile the
  // input; null: none), maxpool_backward where maxpool_backward_supports(p) (null kernels:
  // none), maxpool_backward_any (always).
  pool_kernels<f32_maxpool_backward_2x2s2_nchw_fn, f32_maxpool_backward_2x2s2_nhwc_fn> maxpool_backward_2x2s2;
  f32_pool_supports_fn maxpool_backward_supports;
  f32_pool_scratch_fn maxpool_backward_scratch;
  pool_kernels<f32_maxpool_backward_nchw_fn, f32_maxpool_backward_nhwc_fn> maxpool_backward;
  pool_kernels<f32_maxpool_backward_nchw_fn, f32_maxpool_backward_nhwc_fn> maxpool_backward_any;

  // avg_pool2d_backward: NCHW planes; NHWC by input rows where nhwc_row is set, else by
  // images x 64-channel blocks.
  f32_pool_scratch_fn avgpool_backward_scratch;
  f32_avgpool_backward_nchw_fn avgpool_backward_nchw;
  f32_avgpool_backward_nhwc_row_fn avgpool_backward_nhwc_row;
  f32_avgpool_backward_nhwc_block_fn avgpool_backward_nhwc_block;
  pool_path avgpool_backward_nchw_path, avgpool_backward_nhwc_path;

  // global_avg_pool2d / global_max_pool2d.
  pool_kernels<f32_gavgpool_fn, f32_gavgpool_fn> gavgpool;
  pool_kernels<f32_gmaxpool_fn, f32_gmaxpool_fn> gmaxpool;
};

// Filled on the first call, from active_isa().
const pool2d_config& get_pool2d_config();

}  // namespace convkit
