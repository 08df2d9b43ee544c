// The pooling kernels of this machine, one slot per kernel kind, chosen once per process from
// the active ISA (convkit/isa.h). pool2d.cc asks this table which kernel runs; a null slot
// means that path does not exist here. Every slot of a kind has one contract (its
// f32_*_ukernel type and semantics in pool2d/ukernel/ukernels.h), so a new ISA's kernel is
// one more case in pool2d-config.cc, not a new branch in the driver.
#pragma once
#include <cstdint>

#include "convkit/last-path.h"
#include "convkit/pool2d.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

// The slots hold kernels of the kinds of pool2d/ukernel/ukernels.h (contracts there).
using f32_pool_scratch_fn = f32_pool_scratch_ukernel*;
using f32_pool_supports_fn = f32_pool_supports_ukernel*;
using f32_maxpool_nchw_fn = f32_maxpool_nchw_ukernel*;
using f32_maxpool_nhwc_fn = f32_maxpool_nhwc_ukernel*;
using f32_avgpool_nchw_fn = f32_avgpool_nchw_ukernel*;
using f32_avgpool_nhwc_fn = f32_avgpool_nhwc_ukernel*;
using f32_maxpool_backward_nchw_fn = f32_maxpool_backward_nchw_ukernel*;
using f32_maxpool_backward_nhwc_fn = f32_maxpool_backward_nhwc_ukernel*;
using f32_maxpool_backward_2x2s2_nchw_fn = f32_maxpool_backward_2x2s2_nchw_ukernel*;
using f32_maxpool_backward_2x2s2_nhwc_fn = f32_maxpool_backward_2x2s2_nhwc_ukernel*;
using f32_avgpool_backward_nchw_fn = f32_avgpool_backward_nchw_ukernel*;
using f32_avgpool_backward_nhwc_row_fn = f32_avgpool_backward_nhwc_row_ukernel*;
using f32_avgpool_backward_nhwc_block_fn = f32_avgpool_backward_nhwc_block_ukernel*;
using f32_gavgpool_fn = f32_gavgpool_ukernel*;
using f32_gmaxpool_fn = f32_gmaxpool_ukernel*;

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
