// Fills the batch-norm config (configs/norm-config.h): AVX-512, AVX2 or the portable kernels.
#include "configs/norm-config.h"

#include "convkit/isa.h"

namespace convkit {
namespace {

#define CONVKIT_BN_CONFIG(isa)                                                                         \
  norm_config {                                                                                        \
    f32_bn_moments_row__##isa, f32_bn_moments_rows__##isa, f32_bn_apply_row__##isa,                    \
        f32_bn_apply_rows__##isa, f32_bn_grad_sums_row__##isa, f32_bn_grad_sums_rows__##isa,           \
        f32_bn_dx_row__##isa, f32_bn_dx_rows__##isa                                                    \
  }

norm_config make_config() {
#if defined(__x86_64__) || defined(_M_X64)  // the AVX kernels are built for x86-64 only
  if (active_isa() == isa::avx512) return CONVKIT_BN_CONFIG(avx512);
  if (active_isa() == isa::avx2) return CONVKIT_BN_CONFIG(avx2);
#endif
  return CONVKIT_BN_CONFIG(scalar);
}

#undef CONVKIT_BN_CONFIG

}  // namespace

const norm_config& get_norm_config() {
  static const norm_config config = make_config();
  return config;
}

}  // namespace convkit
