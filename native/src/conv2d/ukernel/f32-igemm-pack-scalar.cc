// Implicit-GEMM panel packing, portable (contract: f32_igemm_pack_panel_fn in ukernels.h):
// dst[k*r + l] = x[tap[k] + s.off + l - s.lane] for l in segment s, 0 where no segment is.
#include "conv2d/ukernel/ukernels.h"

namespace convkit {
namespace {

// A panel that is one run of R positions (the common case away from row ends): fixed-size
// copies, which the compiler unrolls and vectorizes.
template <int R>
void pack_panel_run(int64_t kc, const int64_t* tap, const float* x, int64_t off, float* dst) {
  for (int64_t k = 0; k < kc; ++k, dst += R) {
    const float* s = x + tap[k] + off;
    for (int l = 0; l < R; ++l) dst[l] = s[l];
  }
}

}  // namespace

void f32_igemm_pack_panel__scalar(int64_t kc, const int64_t* tap, const float* x,
                                  const igemm_segment* seg, int64_t nseg, int64_t r, float* dst) {
  if (nseg == 1 && seg[0].len == r) {
    switch (r) {
      case 4: return pack_panel_run<4>(kc, tap, x, seg[0].off, dst);
      case 6: return pack_panel_run<6>(kc, tap, x, seg[0].off, dst);
      case 8: return pack_panel_run<8>(kc, tap, x, seg[0].off, dst);
      case 12: return pack_panel_run<12>(kc, tap, x, seg[0].off, dst);
      case 16: return pack_panel_run<16>(kc, tap, x, seg[0].off, dst);
      default: break;
    }
  }
  for (int64_t k = 0; k < kc; ++k, dst += r) {
    const float* s = x + tap[k];
    int64_t l = 0;
    for (int64_t i = 0; i < nseg; ++i) {
      for (; l < seg[i].lane; ++l) dst[l] = 0.0f;
      const float* src = s + seg[i].off - seg[i].lane;
      for (const int64_t end = seg[i].lane + seg[i].len; l < end; ++l) dst[l] = src[l];
    }
    for (; l < r; ++l) dst[l] = 0.0f;
  }
}

}  // namespace convkit
