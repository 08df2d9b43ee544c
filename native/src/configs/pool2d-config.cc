// Fills the pooling config (configs/pool2d-config.h): the portable kernels everywhere, then
// the AVX-512 ones where that is the active level. AVX2 runs the portable forward kernels
// built with its flags (8 lanes); NEON the portable ones.
#include "configs/pool2d-config.h"

#include "convkit/isa.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {
namespace {

pool2d_config make_config() {
  pool2d_config c{};
  c.maxpool = {f32_maxpool_nchw_plane__scalar, f32_maxpool_nhwc_row__scalar, pool_path::nchw, pool_path::nhwc};
  c.avgpool = {f32_avgpool_nchw_plane__scalar, f32_avgpool_nhwc_row__scalar, pool_path::nchw, pool_path::nhwc};
  c.maxpool_backward_any = {f32_maxpool_backward_nchw_plane__scalar, f32_maxpool_backward_nhwc__scalar,
                            pool_path::nchw, pool_path::nhwc};
  c.avgpool_backward_nchw = f32_avgpool_backward_nchw_plane__scalar;
  c.avgpool_backward_nhwc_block = f32_avgpool_backward_nhwc__scalar;
  c.avgpool_backward_nchw_path = pool_path::nchw, c.avgpool_backward_nhwc_path = pool_path::nhwc;
  c.gavgpool = {f32_gavgpool_nchw__scalar, f32_gavgpool_nhwc__scalar, pool_path::global_nchw, pool_path::global_nhwc};
  c.gmaxpool = {f32_gmaxpool_nchw__scalar, f32_gmaxpool_nhwc__scalar, pool_path::global_nchw, pool_path::global_nhwc};
#if defined(__x86_64__) || defined(_M_X64)  // the AVX-512 kernels are built for x86-64 only
  if (active_isa() == isa::avx2) {  // the portable kernels built with the AVX2 flags, and register ones
    c.fwd_nchw_scratch = f32_pool_nchw_scratch__avx2;
    c.maxpool = {f32_maxpool_nchw_plane__avx2, f32_maxpool_nhwc_row__avx2, pool_path::nchw, pool_path::nhwc};
    c.avgpool = {f32_avgpool_nchw_plane__avx2, f32_avgpool_nhwc_row__avx2, pool_path::nchw, pool_path::nhwc};
    c.maxpool_backward_any = {f32_maxpool_backward_nchw_plane__avx2, f32_maxpool_backward_nhwc__avx2, pool_path::nchw,
                              pool_path::nhwc};
    c.avgpool_backward_nhwc_block = f32_avgpool_backward_nhwc__avx2;
  }
  if (active_isa() == isa::avx512) {
    c.fwd_nchw_scratch = f32_pool_nchw_scratch__avx512, c.fwd_nhwc_scratch = f32_pool_nhwc_scratch__avx512;
    c.maxpool = {f32_maxpool_nchw_plane__avx512, f32_maxpool_nhwc_row__avx512, pool_path::nchw_avx512,
                 pool_path::nhwc_avx512};
    c.avgpool = {f32_avgpool_nchw_plane__avx512, f32_avgpool_nhwc_row__avx512, pool_path::nchw_avx512,
                 pool_path::nhwc_avx512};
    c.maxpool_backward_2x2s2 = {f32_maxpool_backward_2x2s2_nchw_plane__avx512,
                                f32_maxpool_backward_2x2s2_nhwc_row__avx512,
                                pool_path::max_backward_2x2s2_nchw_avx512,
                                pool_path::max_backward_2x2s2_nhwc_avx512};
    c.maxpool_backward_supports = f32_maxpool_backward_supported__avx512;
    c.maxpool_backward_scratch = f32_maxpool_backward_scratch__avx512;
    c.maxpool_backward = {f32_maxpool_backward_nchw_plane__avx512, f32_maxpool_backward_nhwc__avx512,
                          pool_path::nchw_avx512, pool_path::nhwc_avx512};
    c.avgpool_backward_scratch = f32_avgpool_backward_scratch__avx512;
    c.avgpool_backward_nchw = f32_avgpool_backward_nchw_plane__avx512;
    c.avgpool_backward_nhwc_row = f32_avgpool_backward_nhwc_row__avx512;
    c.avgpool_backward_nchw_path = pool_path::nchw_avx512, c.avgpool_backward_nhwc_path = pool_path::nhwc_avx512;
    c.gavgpool = {f32_gavgpool_nchw__avx512, f32_gavgpool_nhwc__avx512, pool_path::global_nchw_avx512,
                  pool_path::global_nhwc_avx512};
  }
#endif
  return c;
}

}  // namespace

const pool2d_config& get_pool2d_config() {
  static const pool2d_config config = make_config();  // thread-safe, once (C++11 statics)
  return config;
}

}  // namespace convkit
