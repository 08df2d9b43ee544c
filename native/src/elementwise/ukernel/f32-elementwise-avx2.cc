// The element-wise ukernels at the avx2 level (vec-kernels.h over vec-avx2.h).
#include "elementwise/ukernel/vec-avx2.h"
#include "elementwise/ukernel/vec-kernels.h"

namespace convkit {

const elementwise_ukernels& f32_elementwise__avx2() {
  static const elementwise_ukernels t = vk<vec_avx2>::elementwise_table();
  return t;
}

}  // namespace convkit
