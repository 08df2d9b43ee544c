// The reduction ukernels at the avx512 level (vec-kernels.h over vec-avx512.h).
#include "elementwise/ukernel/vec-avx512.h"
#include "elementwise/ukernel/vec-kernels.h"

namespace convkit {

const reduce_ukernels& f32_reduce__avx512() {
  static const reduce_ukernels t = vk<vec_avx512>::reduce_table();
  return t;
}

}  // namespace convkit
