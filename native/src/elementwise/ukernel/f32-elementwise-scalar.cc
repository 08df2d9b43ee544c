// The element-wise ukernels at the scalar level (vec-kernels.h over vec-scalar.h).
#include "elementwise/ukernel/vec-scalar.h"
#include "elementwise/ukernel/vec-kernels.h"

namespace convkit {

const elementwise_ukernels& f32_elementwise__scalar() {
  static const elementwise_ukernels t = vk<vec_scalar>::elementwise_table();
  return t;
}

}  // namespace convkit
