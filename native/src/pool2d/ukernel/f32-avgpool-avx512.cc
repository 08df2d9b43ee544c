// Average pooling forward, AVX-512F (contracts in pool2d/ukernel/ukernels.h): the separable
// row-buffer kernels of pool-avx512-forward.h, scaled by the inverse divisors. Overflowed
// sums are the driver's (util/fp-overflow.h). Compiled with the AVX-512 flags; intrinsics and plain loops only.
#include "util/x86-intrinsics.h"

#include <cstdint>

#include "convkit/last-path.h"
#include "pool2d/ukernel/pool-avx512-forward.h"
#include "pool2d/ukernel/ukernels.h"

namespace convkit {

void f32_avgpool_nchw_plane__avx512(const pool2d_params& p, const avg_inverse& d, const float* xc, float* yc,
                                    float* scratch) {
  if (nchw_s1_fusable<false>(p)) {
    note_pool_variant(pool_variant::nchw_s1_fused);
    return pool_nchw_plane_s1<false>(p, &d, xc, yc);
  }
  note_pool_variant(pool_variant::nchw_rowbuf);
  return pool_nchw_plane<false>(p, &d, xc, yc, scratch);
}

void f32_avgpool_nhwc_row__avx512(const pool2d_params& p, const avg_inverse& d, const float* x_n, int64_t oh,
                                  float* yrow, float* scratch) {
  const float* inv = d.inv + static_cast<int64_t>(d.row_of[oh]) * p.out_width;
  if (nhwc_separable(p, false)) {
    note_pool_variant(pool_variant::nhwc_separable);
    return pool_nhwc_row_separable<false>(p, inv, x_n, oh, yrow, scratch);
  }
  note_pool_variant(pool_variant::nhwc_direct);
  return pool_nhwc_row_direct<false>(p, inv, x_n, oh, yrow);
}

}  // namespace convkit
