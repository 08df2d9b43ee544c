// The binary element-wise and reduction configs: the ukernel tables of the active ISA level
// (AVX-512, AVX2+FMA or scalar), filled once. The unary kinds live in the activation config.
#pragma once

#include "elementwise/ukernel/ukernels.h"

namespace convkit {

const elementwise_ukernels& get_elementwise_config();
const reduce_ukernels& get_reduce_config();

}  // namespace convkit
