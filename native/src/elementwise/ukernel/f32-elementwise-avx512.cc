// The element-wise ukernels at the avx512 level (vec-kernels.h over vec-avx512.h).
#include "elementwise/ukernel/vec-avx512.h"
#include "elementwise/ukernel/vec-kernels.h"

namespace convkit {

const elementwise_ukernels& f32_elementwise__avx512() {
  static const elementwise_ukernels t = vk<vec_avx512>::elementwise_table();
  return t;
}

}  // namespace convkit
