// Fills the activation config (activation-config.h).
#include "configs/activation-config.h"
#include "configs/configs.h"

#include "convkit/isa.h"

namespace convkit {
namespace {

activation_config make_config() {
  activation_config c = {{}, {}};
  const elementwise_ukernels* t = &f32_elementwise__scalar();
#if defined(__x86_64__) || defined(_M_X64)  // the AVX2 and AVX-512 kernels are built for x86-64 only
  if (active_isa() == isa::avx512) t = &f32_elementwise__avx512();
  if (active_isa() == isa::avx2) t = &f32_elementwise__avx2();
#endif
  for (int k = 0; k < kActivationKinds; ++k) c.unary[k] = t->unary[k], c.unary_backward[k] = t->unary_backward[k];
  return c;
}

}  // namespace

const activation_config& get_activation_config() { return config_instance<activation_config, make_config>(); }

}  // namespace convkit
