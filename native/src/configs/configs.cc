// fill_all_configs (configs.h).
#include "configs/configs.h"

#include "configs/activation-config.h"
#include "configs/conv2d-config.h"
#include "configs/copy-config.h"
#include "configs/dwconv-config.h"
#include "configs/gemm-config.h"
#include "configs/norm-config.h"
#include "configs/pool2d-config.h"
#include "configs/winograd-config.h"
#include "convkit/workspace.h"

namespace convkit {

void fill_all_configs() {
  get_gemm_plan();
  get_conv2d_config();
  get_dwconv_config();
  get_winograd_config();
  get_pool2d_config();
  get_activation_config();
  get_norm_config();
  get_copy_config();
  workspace_cap_bytes();  // CONVKIT_WORKSPACE_CAP
}

}  // namespace convkit
