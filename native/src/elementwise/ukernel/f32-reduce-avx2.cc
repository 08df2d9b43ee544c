// The reduction ukernels at the avx2 level (vec-kernels.h over vec-avx2.h).
#include "elementwise/ukernel/vec-avx2.h"
#include "elementwise/ukernel/vec-kernels.h"

namespace convkit {

const reduce_ukernels& f32_reduce__avx2() {
  static const reduce_ukernels t = vk<vec_avx2>::reduce_table();
  return t;
}

}  // namespace convkit
