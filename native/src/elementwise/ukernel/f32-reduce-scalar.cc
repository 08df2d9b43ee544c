// The reduction ukernels at the scalar level (vec-kernels.h over vec-scalar.h).
#include "elementwise/ukernel/vec-scalar.h"
#include "elementwise/ukernel/vec-kernels.h"

namespace convkit {

const reduce_ukernels& f32_reduce__scalar() {
  static const reduce_ukernels t = vk<vec_scalar>::reduce_table();
  return t;
}

}  // namespace convkit
