// fill_all_configs (configs.h).
#include "configs/configs.h"

#include "configs/activation-config.h"
#include "configs/conv2d-config.h"
#include "configs/dwconv-config.h"
#include "configs/gemm-config.h"
#include "configs/winograd-config.h"

namespace convkit {

void fill_all_configs() {
  get_gemm_plan();
  get_conv2d_config();
  get_dwconv_config();
  get_winograd_config();
  get_activation_config();
}

}  // namespace convkit
