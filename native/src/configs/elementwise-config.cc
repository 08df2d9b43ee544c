// Fills the elementwise and reduce configs (elementwise-config.h).
#include "configs/elementwise-config.h"

#include "convkit/isa.h"

namespace convkit {

const elementwise_ukernels& get_elementwise_config() {
  static const elementwise_ukernels* t = [] {
#if defined(__x86_64__) || defined(_M_X64)  // the AVX2 and AVX-512 kernels are built for x86-64 only
    if (active_isa() == isa::avx512) return &f32_elementwise__avx512();
    if (active_isa() == isa::avx2) return &f32_elementwise__avx2();
#endif
    return &f32_elementwise__scalar();
  }();
  return *t;
}

const reduce_ukernels& get_reduce_config() {
  static const reduce_ukernels* t = [] {
#if defined(__x86_64__) || defined(_M_X64)
    if (active_isa() == isa::avx512) return &f32_reduce__avx512();
    if (active_isa() == isa::avx2) return &f32_reduce__avx2();
#endif
    return &f32_reduce__scalar();
  }();
  return *t;
}

}  // namespace convkit
